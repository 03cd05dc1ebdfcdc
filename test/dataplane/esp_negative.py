#!/usr/bin/python3
"""Bad packets for esplane-dp, each kind with the drop reason it must be counted under.

  esp_negative.py gen DIR   config.json, wan_in.pcap, lan_in.pcap, expected.json

Valid ESP comes from Scapy; authenticated-but-broken ESP (bad padding, bad next header) is
sealed with python3-cryptography's AES-GCM so that only the property under test is wrong.

    Scapy / crafted  --wan_in.pcap-->  [wan 0] esplane-dp [lan 1]  <--lan_in.pcap-- clear packets
"""
import json
import os
import struct
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from scapy.all import ARP, ESP, ICMP, IP, UDP, Ether, IPv6, Raw  # noqa: E402
from scapy.layers.ipsec import SecurityAssociation  # noqa: E402
from scapy.utils import RawPcapWriter  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from esp_matrix import EsnAuth  # noqa: E402

GCM_KEY = bytes(range(1, 21))           # 16-byte key + 4-byte salt
CBC_KEY, SHA_KEY = bytes(range(40, 56)), bytes(range(60, 92))
ESN_START = 0xFFFFFFC0
WAN = Ether(src='02:00:00:00:00:02', dst='02:00:00:00:00:01')
LAN = Ether(src='02:00:00:00:01:fe', dst='02:00:00:00:01:01')


def config():
    gcm = {'name': 'rfc4106(gcm(aes))', 'key': '0x' + GCM_KEY.hex(), 'icvBits': 128}
    v4 = {'src': '192.0.2.1', 'dst': '192.0.2.2'}
    return {
        'ports': [{'name': 'wan', 'port': 0, 'role': 'wan'}, {'name': 'lan', 'port': 1, 'role': 'lan'}],
        'sas': [
            {'spi': '0x3001', 'dir': 'in', 'src': '192.0.2.2', 'dst': '192.0.2.1', 'aead': gcm,
             'replayWindow': 64, 'seq': 1000},
            {'spi': '0x3002', 'dir': 'in', 'src': '2001:db8::2', 'dst': '2001:db8::1',
             'enc': {'name': 'cbc(aes)', 'key': '0x' + CBC_KEY.hex()},
             'auth': {'name': 'hmac(sha256)', 'key': '0x' + SHA_KEY.hex(), 'truncBits': 128},
             'replayWindow': 128, 'esn': True, 'seq': ESN_START},
            {'spi': '0x4001', 'dir': 'out', **v4, 'aead': gcm, 'seq': 0xFFFFFFFD},
            {'spi': '0x4002', 'dir': 'out', **v4, 'aead': gcm, 'lifetime': {'hardPackets': 3}},
            {'spi': '0x4003', 'dir': 'out', **v4, 'aead': gcm, 'lifetime': {'hardBytes': 1000}},
        ],
        'policies': [
            {'dir': 'in', 'src': '10.2.1.0/24', 'dst': '10.1.1.0/24', 'action': 'protect', 'spi': '0x3001'},
            {'dir': 'in', 'src': 'fd00:2::/64', 'dst': 'fd00:1::/64', 'action': 'protect', 'spi': '0x3002'},
            {'dir': 'out', 'src': '10.1.2.0/24', 'dst': '10.2.2.0/24', 'action': 'protect', 'spi': '0x4001'},
            {'dir': 'out', 'src': '10.1.3.0/24', 'dst': '10.2.3.0/24', 'action': 'protect', 'spi': '0x4002'},
            {'dir': 'out', 'src': '10.1.4.0/24', 'dst': '10.2.4.0/24', 'action': 'protect', 'spi': '0x4003'},
            {'dir': 'out', 'src': '10.1.5.0/24', 'dst': '0.0.0.0/0', 'action': 'discard'},
            {'dir': 'out', 'src': '10.1.6.0/24', 'dst': '10.9.0.0/16', 'action': 'bypass'},
            {'dir': 'out', 'src': '10.1.7.0/24', 'dst': '10.1.8.0/24', 'action': 'bypass', 'proto': 'icmp'},
        ],
        'routes': [{'dst': '192.0.2.0/24', 'port': 'wan'}, {'dst': '10.1.0.0/16', 'port': 'lan', 'via': '10.1.255.254'},
                   {'dst': 'fd00:1::/64', 'port': 'lan', 'via': 'fd00:1::fffe'}],
        'neighbors': [{'ip': '192.0.2.2', 'mac': '02:00:00:00:00:02', 'port': 'wan'},
                      {'ip': '10.1.255.254', 'mac': '02:00:00:00:01:fe', 'port': 'lan'},
                      {'ip': 'fd00:1::fffe', 'mac': '02:00:00:00:01:fe', 'port': 'lan'}],
    }


def inner4(src='10.2.1.1', dst='10.1.1.1', n=40):
    return IP(src=src, dst=dst) / UDP(sport=1234, dport=5678) / Raw(b'x' * n)


gcm_sa = SecurityAssociation(ESP, spi=0x3001, crypt_algo='AES-GCM', crypt_key=GCM_KEY,
                             tunnel_header=IP(src='192.0.2.2', dst='192.0.2.1'))
cbc_sa = SecurityAssociation(ESP, spi=0x3002, crypt_algo='AES-CBC', crypt_key=CBC_KEY,
                             auth_algo='SHA2-256-128', auth_key=SHA_KEY, esn_en=True,
                             tunnel_header=IPv6(src='2001:db8::2', dst='2001:db8::1'))
cbc_sa.seq_num = 0


def gcm(seq, inner=None):
    return bytes(WAN / gcm_sa.encrypt(inner or inner4(), seq_num=seq))


def cbc(seq):
    cbc_sa.auth_algo = EsnAuth(cbc_sa.auth_algo.algo if isinstance(cbc_sa.auth_algo, EsnAuth) else cbc_sa.auth_algo,
                               seq >> 32)
    inner = IPv6(src='fd00:2::1', dst='fd00:1::1') / UDP(sport=1, dport=2) / Raw(b'y' * 20)
    return bytes(WAN / cbc_sa.encrypt(inner, seq_num=seq & 0xFFFFFFFF, esn=seq >> 32))


def sealed(seq, plaintext):
    """ESP on SA 0x3001 around an arbitrary (possibly malformed) plaintext, with a valid ICV"""
    iv = struct.pack('!Q', seq)
    head = struct.pack('!LL', 0x3001, seq)
    ct = AESGCM(GCM_KEY[:16]).encrypt(GCM_KEY[16:] + iv, plaintext, head)
    return bytes(WAN / IP(src='192.0.2.2', dst='192.0.2.1', proto=50) / Raw(head + iv + ct))


def esp_raw(spi, body):
    return bytes(WAN / IP(src='192.0.2.2', dst='192.0.2.1', proto=50) / Raw(struct.pack('!L', spi) + body))


def gen(d):
    wan, lan = [], []
    expect = {}

    def case(reason, count):
        expect[reason] = expect.get(reason, 0) + count

    # --- inbound ---
    fresh = [gcm(s) for s in range(1001, 1065)]
    wan += fresh                                     # 64 new packets: the whole window
    wan += fresh                                     # the same 64 again: a replay at every position
    case('replay', 64)
    wan += [gcm(1000), gcm(999), gcm(1)]             # at and below the window's bottom
    case('replay_too_old', 3)
    dup = gcm(1065)
    wan += [dup, dup]                                # a duplicate inside one burst
    case('replay', 1)
    for s in range(1066, 1071):                      # one flipped ICV byte each
        bad = bytearray(gcm(s))
        bad[-1] ^= 0x01
        wan.append(bytes(bad))
    case('auth_failed', 5)
    wan.append(gcm(1066))                            # forgeries did not move the window
    wan += [esp_raw(0x3999, struct.pack('!L', 1) + b'z' * 60)] * 3
    case('unknown_spi', 3)
    wan += [esp_raw(0x3001, struct.pack('!L', 2000)),                      # header only
            esp_raw(0x3001, struct.pack('!L', 2001) + b'z' * 20),          # shorter than IV+ICV+4
            esp_raw(0x3001, struct.pack('!L', 2002) + b'z' * (8 + 21 + 16))]  # not 4-byte aligned
    case('truncated', 3)
    body = bytes(inner4())
    fill = (-(len(body) + 2)) % 4 or 4             # at least one pad byte
    wan.append(sealed(1071, body + bytes([9] * fill) + bytes([fill, 4])))          # pad bytes must be 1, 2, ...
    wan.append(sealed(1072, body + bytes(range(1, fill + 1)) + bytes([250, 4])))    # pad longer than the payload
    case('bad_padding', 2)
    wan.append(sealed(1073, body + bytes(range(1, fill + 1)) + bytes([fill, 59])))  # next header 59 (none)
    case('bad_inner', 1)
    wan += [gcm(1074, inner4(src='10.3.0.1')), gcm(1075, inner4(dst='10.1.9.1'))]  # outside 0x3001's selectors
    case('policy_mismatch', 2)
    esn = [cbc(s) for s in range(ESN_START + 1, ESN_START + 129)]  # crosses 2^32
    wan += esn + esn                                 # ESN window of 128: replay at every position
    case('replay', 128)
    wan += [bytes(WAN / IP(src='192.0.2.2', dst='192.0.2.1') / UDP(sport=500, dport=500) / Raw(b'ike')) for _ in range(2)]
    wan.append(bytes(WAN / IP(src='192.0.2.2', dst='192.0.2.1') / UDP(sport=4500, dport=4500) / Raw(b'\0\0\0\0ike')))
    # ARP is the kernel's too: without an exception TAP it is not ESP, not malformed
    wan.append(bytes(Ether(src='02:00:00:00:00:02', dst='ff:ff:ff:ff:ff:ff') / ARP(pdst='192.0.2.1')))
    case('non_esp', 4)

    # --- outbound ---
    lan += [bytes(LAN / inner4('10.1.2.1', '10.2.2.1')) for _ in range(5)]   # seq 0xfffffffe, 0xffffffff, then none
    case('seq_exhausted', 3)
    lan += [bytes(LAN / inner4('10.1.3.1', '10.2.3.1')) for _ in range(5)]   # hardPackets 3
    lan += [bytes(LAN / inner4('10.1.4.1', '10.2.4.1', n=272)) for _ in range(4)]  # 300 B each, hardBytes 1000
    case('lifetime_expired', 2 + 1)
    lan += [bytes(LAN / inner4('10.1.5.1', '10.2.5.1')) for _ in range(2)]
    case('policy_discard', 2)
    lan += [bytes(LAN / inner4('10.7.0.1', '10.8.0.1')) for _ in range(2)]
    case('no_policy', 2)
    lan.append(bytes(LAN / inner4('10.1.6.1', '10.9.0.1')))
    case('no_route', 1)
    lan += [bytes(LAN / IP(src='10.1.7.1', dst='10.1.8.1') / ICMP()) for _ in range(2)]   # bypass, in clear
    short = bytearray(bytes(LAN / inner4('10.1.3.1', '10.2.3.1')))
    short[16:18] = struct.pack('!H', 1400)          # IPv4 length beyond the frame
    lan.append(bytes(short))
    case('malformed', 1)

    for name, pkts in (('wan_in.pcap', wan), ('lan_in.pcap', lan)):
        w = RawPcapWriter(os.path.join(d, name), linktype=1)
        for p in pkts:
            w.write(p)
        w.close()
    with open(os.path.join(d, 'config.json'), 'w') as f:
        json.dump(config(), f, indent=1)
    expected = {
        'drops': expect,
        'wan_tx': 2 + 3 + 3,
        'lan_tx': 64 + 1 + 1 + 128 + 2,
        'sa_drops': {
            '0x3001': {'replay': 65, 'replay_too_old': 3, 'auth_failed': 5, 'truncated': 3, 'bad_padding': 2,
                       'bad_inner': 1, 'policy_mismatch': 2},
            '0x3002': {'replay': 128},
            '0x4001': {'seq_exhausted': 3},
            '0x4002': {'lifetime_expired': 2},
            '0x4003': {'lifetime_expired': 1},
        },
        'sa_packets': {'0x3001': 64 + 1 + 1 + 2, '0x3002': 128, '0x4001': 2, '0x4002': 3, '0x4003': 3},
        'stopped': ['0x4001', '0x4002', '0x4003'],
    }
    with open(os.path.join(d, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=1)


if __name__ == '__main__':
    gen(sys.argv[2])
