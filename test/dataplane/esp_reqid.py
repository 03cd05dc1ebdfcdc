#!/usr/bin/python3
"""Policies as XFRM writes them: templates by reqid, 32-bit priorities.

  esp_reqid.py gen DIR     config.json, wan_in.pcap, lan_in.pcap
  esp_reqid.py check DIR   prints a JSON summary of wan_out.pcap (SPIs used) and lan_out.pcap

- inbound: SAs 0x6001 (old) and 0x6002 (rekeyed) share reqid 7; the inbound policy names only
  reqid 7, so packets on either SA pass the policy check
- outbound: SAs 0x7001 then 0x7002 share reqid 9; the policy by reqid 9 uses the newest, 0x7002
- priorities above 16 bits keep their order: for 10.1.5.0/24 a discard at 375423 beats a
  bypass at 375424; for 10.1.6.0/24 a bypass at 100000 beats a discard at 100001
"""
import json
import os

import sys

from scapy.all import ESP, IP, UDP, Ether, Raw  # noqa: E402
from scapy.layers.ipsec import SecurityAssociation  # noqa: E402
from scapy.utils import RawPcapReader, RawPcapWriter  # noqa: E402

KEY = bytes(range(100, 120))
WAN = Ether(src='02:00:00:00:00:02', dst='02:00:00:00:00:01')
LAN = Ether(src='02:00:00:00:01:fe', dst='02:00:00:00:01:01')


def gcm(spi):
    return {'spi': hex(spi), 'src': '192.0.2.2', 'dst': '192.0.2.1',
            'aead': {'name': 'rfc4106(gcm(aes))', 'key': '0x' + KEY.hex(), 'icvBits': 128}}


def config():
    out = lambda spi: {**gcm(spi), 'dir': 'out', 'src': '192.0.2.1', 'dst': '192.0.2.2', 'reqid': 9}  # noqa: E731
    return {
        'ports': [{'name': 'wan', 'port': 0, 'role': 'wan'}, {'name': 'lan', 'port': 1, 'role': 'lan'}],
        'sas': [{**gcm(0x6001), 'dir': 'in', 'reqid': 7}, {**gcm(0x6002), 'dir': 'in', 'reqid': 7},
                out(0x7001), out(0x7002)],
        'policies': [
            {'dir': 'in', 'src': '10.2.0.0/16', 'dst': '10.1.0.0/16', 'action': 'protect', 'reqid': 7},
            {'dir': 'out', 'src': '10.1.1.0/24', 'dst': '10.2.0.0/16', 'action': 'protect', 'reqid': 9},
            {'dir': 'out', 'src': '10.1.5.0/24', 'dst': '10.9.0.0/16', 'action': 'bypass', 'priority': 375424},
            {'dir': 'out', 'src': '10.1.5.0/24', 'dst': '10.9.0.0/16', 'action': 'discard', 'priority': 375423},
            {'dir': 'out', 'src': '10.1.6.0/24', 'dst': '10.9.0.0/16', 'action': 'discard', 'priority': 100001},
            {'dir': 'out', 'src': '10.1.6.0/24', 'dst': '10.9.0.0/16', 'action': 'bypass', 'priority': 100000},
        ],
        'routes': [{'dst': '192.0.2.0/24', 'port': 'wan'}, {'dst': '10.1.0.0/16', 'port': 'lan', 'via': '10.1.255.254'},
                   {'dst': '10.9.0.0/16', 'port': 'wan', 'via': '192.0.2.2'}],
        'neighbors': [{'ip': '192.0.2.2', 'mac': '02:00:00:00:00:02', 'port': 'wan'},
                      {'ip': '10.1.255.254', 'mac': '02:00:00:00:01:fe', 'port': 'lan'}],
    }


def gen(d):
    wan = []
    for spi in (0x6001, 0x6002):
        sa = SecurityAssociation(ESP, spi=spi, crypt_algo='AES-GCM', crypt_key=KEY,
                                 tunnel_header=IP(src='192.0.2.2', dst='192.0.2.1'))
        for seq in range(1, 4):
            inner = IP(src='10.2.0.1', dst='10.1.0.1') / UDP(sport=spi & 0xffff, dport=9) / Raw(b'r' * 30)
            wan.append(bytes(WAN / sa.encrypt(inner, seq_num=seq)))
    lan = [bytes(LAN / IP(src='10.1.1.1', dst='10.2.0.1') / UDP(sport=1, dport=2) / Raw(b'o' * 30)) for _ in range(3)]
    lan += [bytes(LAN / IP(src='10.1.5.1', dst='10.9.0.1') / UDP(sport=1, dport=2)) for _ in range(2)]
    lan += [bytes(LAN / IP(src='10.1.6.1', dst='10.9.0.1') / UDP(sport=1, dport=2)) for _ in range(2)]
    for name, pkts in (('wan_in.pcap', wan), ('lan_in.pcap', lan)):
        w = RawPcapWriter(os.path.join(d, name), linktype=1)
        for p in pkts:
            w.write(p)
        w.close()
    with open(os.path.join(d, 'config.json'), 'w') as f:
        json.dump(config(), f, indent=1)


def check(d):
    spis, clear_to_wan = {}, 0
    for data, _ in RawPcapReader(os.path.join(d, 'wan_out.pcap')):
        p = Ether(bytes(data))
        if ESP in p:
            spis[hex(p[ESP].spi)] = spis.get(hex(p[ESP].spi), 0) + 1
        elif IP in p:
            clear_to_wan += 1
    decrypted = {}
    for data, _ in RawPcapReader(os.path.join(d, 'lan_out.pcap')):
        p = Ether(bytes(data))
        sport = hex(p[UDP].sport)
        decrypted[sport] = decrypted.get(sport, 0) + 1
    print(json.dumps({'esp_spis': spis, 'clear_to_wan': clear_to_wan, 'decrypted_by_sa': decrypted}))


if __name__ == '__main__':
    (gen if sys.argv[1] == 'gen' else check)(sys.argv[2])

