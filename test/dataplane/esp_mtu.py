#!/usr/bin/python3
"""Scapy's side of the MTU tests: packets too big for a 1400-byte wan once in ESP.

  esp_mtu.py gen DIR [flood]   config.json, lan_in.pcap, wan_in.pcap, expected.json
  esp_mtu.py check DIR         wan_out.pcap decrypted and reassembled by Scapy, lan_out.pcap's
                               ICMP errors and SYNs parsed; prints a JSON summary

    host 10.1.0.1 / fd00:1::1                                 peer 192.0.2.2 / 2001:db8::2
    lan_in.pcap  --clear-->  [lan 1, 10.1.0.254] esplane-dp [wan 0, mtu 1400] --ESP--> wan_out.pcap
    lan_out.pcap <-ICMP/clear-                                               <--ESP--  wan_in.pcap

Three outbound SAs with different overheads, each with its own inner subnets:
  gcm4    AES-GCM-128, outer IPv4                 (20 + 8 + 8 IV + pad to 4 + 2 + 16 ICV)
  cbc6u   AES-CBC + HMAC-SHA1-96, outer IPv6, UDP (40 + 8 + 8 + 16 IV + pad to 16 + 2 + 12 ICV)
  clamp   AES-GCM-128, outer IPv4, mssClamp 1360 (and its inbound twin, also clamping)
The largest inner packet that fits is computed here independently of the dataplane.
With `flood`: only 1000 DF packets too big, to exercise the ICMP rate limit.
"""
import json
import os
import sys

from scapy.all import (ESP, ICMP, IP, TCP, UDP, Ether, ICMPv6PacketTooBig, IPv6, Raw,
                       defragment, fragment, raw)
from scapy.layers.inet6 import in6_chksum
from scapy.layers.ipsec import SecurityAssociation
from scapy.layers.inet import in4_chksum
from scapy.utils import RawPcapReader, RawPcapWriter, checksum

MTU = 1400
CLAMP = 1360
HOST_MAC, LAN_MAC = '02:00:00:00:01:02', '02:00:00:00:01:01'
PEER_MAC, WAN_MAC = '02:00:00:00:00:02', '02:00:00:00:00:01'
LAN_ADDR = {4: '10.1.0.254', 6: 'fd00:1::fffe'}
LOCAL = {4: '192.0.2.1', 6: '2001:db8::1'}
PEER = {4: '192.0.2.2', 6: '2001:db8::2'}
GCM_KEY = bytes(range(1, 21))
CBC_KEY, SHA_KEY = bytes(range(32, 48)), bytes(range(64, 84))

# name: spi, outer family, UDP?, IV, block, ICV, subnet index
KINDS = {
    'gcm4': (0x1001, 4, False, 8, 4, 16, 1),
    'cbc6u': (0x1002, 6, True, 16, 16, 12, 2),
    'clamp': (0x1003, 4, False, 8, 4, 16, 3),
}


def inner_max(kind):
    _, outer, udp, iv, block, icv, _ = KINDS[kind]
    fixed = (20 if outer == 4 else 40) + (8 if udp else 0) + 8 + iv + icv
    return ((MTU - fixed) & ~(block - 1)) - 2


def hosts(kind, fam):
    n = KINDS[kind][6]
    return (f'10.1.{n}.1', f'10.2.{n}.1') if fam == 4 else (f'fd00:1:{n}::1', f'fd00:2:{n}::1')


def nets(kind, fam):
    n = KINDS[kind][6]
    return (f'10.1.{n}.0/24', f'10.2.{n}.0/24') if fam == 4 else (f'fd00:1:{n}::/48', f'fd00:2:{n}::/48')


def sa_json(kind, direction='out'):
    spi, outer, udp, *_ = KINDS[kind]
    src, dst = (LOCAL, PEER) if direction == 'out' else (PEER, LOCAL)
    sa = {'spi': hex(spi if direction == 'out' else spi + 0x1000), 'dir': direction, 'src': src[outer], 'dst': dst[outer]}
    if kind == 'cbc6u':
        sa['enc'] = {'name': 'cbc(aes)', 'key': '0x' + CBC_KEY.hex()}
        sa['auth'] = {'name': 'hmac(sha1)', 'key': '0x' + SHA_KEY.hex(), 'truncBits': 96}
    else:
        sa['aead'] = {'name': 'rfc4106(gcm(aes))', 'key': '0x' + GCM_KEY.hex(), 'icvBits': 128}
    if udp:
        sa['encap'] = {'type': 'espinudp', 'sport': 4500, 'dport': 4500}
    if kind == 'clamp':
        sa['mssClamp'] = CLAMP
    return sa


def scapy_sa(kind, direction='out'):
    spi, outer, udp, *_ = KINDS[kind]
    src, dst = (LOCAL, PEER) if direction == 'out' else (PEER, LOCAL)
    hdr = IP(src=src[4], dst=dst[4]) if outer == 4 else IPv6(src=src[6], dst=dst[6])
    kw = dict(tunnel_header=hdr)
    if kind == 'cbc6u':
        kw.update(crypt_algo='AES-CBC', crypt_key=CBC_KEY, auth_algo='HMAC-SHA1-96', auth_key=SHA_KEY)
    else:
        kw.update(crypt_algo='AES-GCM', crypt_key=GCM_KEY)
    if udp:
        kw['nat_t_header'] = UDP(sport=4500, dport=4500)
    return SecurityAssociation(ESP, spi=spi if direction == 'out' else spi + 0x1000, **kw)


def config():
    cfg = {'ports': [{'name': 'wan', 'port': 0, 'role': 'wan', 'mtu': MTU, 'addresses': ['192.0.2.1/24', '2001:db8::1/64']},
                     {'name': 'lan', 'port': 1, 'role': 'lan', 'addresses': ['10.1.0.254/16', 'fd00:1::fffe/32']}],
           'sas': [sa_json(k) for k in KINDS] + [sa_json('clamp', 'in')], 'policies': [],
           'routes': [{'dst': '192.0.2.0/24', 'port': 'wan'}, {'dst': '2001:db8::/64', 'port': 'wan'},
                      {'dst': '10.1.0.0/16', 'port': 'lan'}, {'dst': 'fd00:1::/32', 'port': 'lan'}],
           'neighbors': [{'ip': PEER[4], 'mac': PEER_MAC, 'port': 'wan'}, {'ip': PEER[6], 'mac': PEER_MAC, 'port': 'wan'},
                         {'ip': '10.1.3.1', 'mac': HOST_MAC, 'port': 'lan'}]}
    for k in KINDS:
        for fam in (4, 6):
            a, b = nets(k, fam)
            cfg['policies'].append({'dir': 'out', 'src': a, 'dst': b, 'action': 'protect', 'spi': hex(KINDS[k][0])})
    a, b = nets('clamp', 4)
    cfg['policies'].append({'dir': 'in', 'src': b, 'dst': a, 'action': 'protect', 'spi': hex(KINDS['clamp'][0] + 0x1000)})
    return cfg


def eth(p):
    return bytes(Ether(src=HOST_MAC, dst=LAN_MAC) / p)


def sized(ip, size, pid):
    """ip / UDP padded to exactly `size` bytes of IP"""
    hdr = len(raw(ip / UDP()))
    return ip / UDP(sport=5000 + pid, dport=7) / Raw(bytes((pid + k) % 251 for k in range(size - hdr)))


def gen(d, flood=False):
    lan, wan = [], []
    exp = {'icmp': [], 'datagrams': [], 'syns': [], 'synacks': [], 'wan_max': MTU, 'inner_max': {k: inner_max(k) for k in KINDS}}
    pid = 0
    if flood:
        a, b = hosts('gcm4', 4)
        for i in range(1000):
            lan.append(eth(sized(IP(src=a, dst=b, id=i, flags='DF'), 1500, i % 200)))
        exp['flood'] = 1000
    else:
        for k in KINDS:
            m = inner_max(k)
            for fam in (4, 6):
                a, b = hosts(k, fam)
                # (a) too big and not fragmentable: DF IPv4 / any IPv6, 1500 bytes and one byte over the limit
                for size in (1500, m + 1):
                    pid += 1
                    p = sized(IP(src=a, dst=b, id=pid, flags='DF'), size, pid) if fam == 4 else sized(IPv6(src=a, dst=b), size, pid)
                    lan.append(eth(p))
                    exp['icmp'].append({'fam': fam, 'to': a, 'mtu': m, 'pid': pid, 'from': LAN_ADDR[fam]})
                # exactly the limit: one ESP packet of (at most) the MTU
                pid += 1
                p = sized(IP(src=a, dst=b, id=pid, flags='DF'), m, pid) if fam == 4 else sized(IPv6(src=a, dst=b), m, pid)
                lan.append(eth(p))
                exp['datagrams'].append({'kind': k, 'pid': pid, 'bytes': raw(p).hex(), 'fam': fam})
            # (b) non-DF IPv4: a 4000-byte datagram its sender fragmented to 1500, and a whole 1500-byte one
            a, b = hosts(k, 4)
            for size, pre in ((4000, True), (1500, False)):
                pid += 1
                p = sized(IP(src=a, dst=b, id=pid), size, pid)
                for f in (fragment(p, fragsize=1480) if pre else [p]):
                    lan.append(eth(f))
                exp['datagrams'].append({'kind': k, 'pid': pid, 'bytes': raw(p).hex(), 'fam': 4})
        # (c) SYNs: clamped through the clamping SA (MSS option first, or after a NOP at an odd
        # offset, IPv4 and IPv6), untouched through the other, and never raised
        for k, fam, opts, want in (('clamp', 4, [('MSS', 1460)], CLAMP), ('clamp', 4, [('NOP', None), ('MSS', 1460), ('SAckOK', b'')], CLAMP),
                                   ('clamp', 6, [('MSS', 1440)], CLAMP), ('clamp', 4, [('MSS', 1200)], 1200),
                                   ('gcm4', 4, [('MSS', 1460)], 1460), ('gcm4', 6, [('MSS', 1440)], 1440)):
            pid += 1
            a, b = hosts(k, fam)
            ip = IP(src=a, dst=b, id=pid) if fam == 4 else IPv6(src=a, dst=b)
            lan.append(eth(ip / TCP(sport=40000 + pid, dport=80, flags='S', seq=pid, options=opts)))
            exp['syns'].append({'kind': k, 'sport': 40000 + pid, 'mss': want})
        # a SYN-ACK from behind the peer, decrypted by the clamping SA's inbound twin
        a, b = hosts('clamp', 4)
        sa = scapy_sa('clamp', 'in')
        synack = IP(src=b, dst=a, id=999) / TCP(sport=80, dport=40999, flags='SA', seq=7, ack=1, options=[('MSS', 1460), ('WScale', 7)])
        wan.append(bytes(Ether(src=PEER_MAC, dst=WAN_MAC) / sa.encrypt(synack, seq_num=1)))
        exp['synacks'].append({'dport': 40999, 'mss': CLAMP})
    with open(os.path.join(d, 'config.json'), 'w') as f:
        json.dump(config(), f, indent=1)
    with open(os.path.join(d, 'expected.json'), 'w') as f:
        json.dump(exp, f)
    for name, frames in (('lan_in.pcap', lan), ('wan_in.pcap', wan)):
        w = RawPcapWriter(os.path.join(d, name), linktype=1)
        w.write_header(None)
        for fr in frames:
            w.write(fr)
        w.close()
    print(json.dumps({'lan': len(lan), 'wan': len(wan)}))
    return 0


def frames(path):
    return [bytes(data) for data, _meta in RawPcapReader(path)]


def tcp_ok(p):
    """the TCP checksum as received verifies"""
    ip = p[IP] if IP in p else p[IPv6]
    seg = raw(ip[TCP])
    if IP in p:
        return in4_chksum(6, ip, seg) == 0
    return in6_chksum(6, ip, seg) == 0


def mss_of(p):
    return dict(p[TCP].options).get('MSS')


def check(d):
    exp = json.load(open(os.path.join(d, 'expected.json')))
    errors, summary = [], {'esp': 0, 'esp_max': 0, 'icmp': 0, 'datagrams': 0, 'syns': 0, 'synacks': 0}
    inner = {}  # pid -> decrypted inner packets (fragments or whole)
    syns = {}
    by_spi = {KINDS[k][0]: k for k in KINDS}
    for fr in frames(os.path.join(d, 'wan_out.pcap')):
        p = Ether(fr)
        l3 = p.payload
        size = len(raw(l3))
        summary['esp'] += 1
        summary['esp_max'] = max(summary['esp_max'], size)
        if size > MTU:
            errors.append(f'ESP packet of {size} bytes on a {MTU}-byte wan')
        if IP in p and (p[IP].flags.MF or p[IP].frag):
            errors.append('fragmented outer IPv4')
        if IPv6 in p and p[IPv6].nh not in (17, 50):
            errors.append(f'outer IPv6 next header {p[IPv6].nh} (a fragment header?)')
        if UDP in p and p[UDP].dport == 4500:
            p[UDP].decode_payload_as(ESP)
        if ESP not in p:
            errors.append(f'not ESP on the wan: {p.summary()}')
            continue
        k = by_spi.get(p[ESP].spi)
        try:
            q = scapy_sa(k).decrypt(l3)
        except Exception as e:  # noqa: BLE001
            errors.append(f'Scapy cannot decrypt an ESP packet of SA {k}: {e}')
            continue
        if TCP in q:
            syns[q[TCP].sport] = q
        elif UDP in q or (IP in q and q[IP].frag > 0):
            pid = (q[IP].id if IP in q else q[UDP].sport - 5000)
            inner.setdefault(pid, []).append(q)
    for want in exp['datagrams']:
        got = inner.get(want['pid'], [])
        orig = IP(bytes.fromhex(want['bytes'])) if want['fam'] == 4 else IPv6(bytes.fromhex(want['bytes']))
        if want['fam'] == 4:
            whole = defragment(got) if len(got) > 1 else got
            whole = [w for w in whole if not (w[IP].flags.MF or w[IP].frag)]
            if len(whole) != 1 or raw(whole[0][IP].payload) != raw(orig[IP].payload):
                errors.append(f'datagram {want["pid"]} ({want["kind"]}): {len(got)} pieces did not reassemble to the original')
                continue
        elif len(got) != 1 or raw(got[0]) != raw(orig):
            errors.append(f'IPv6 packet {want["pid"]} ({want["kind"]}) not carried intact')
            continue
        summary['datagrams'] += 1
    for want in exp['syns']:
        q = syns.get(want['sport'])
        if q is None:
            errors.append(f'SYN {want["sport"]} missing')
        elif mss_of(q) != want['mss'] or not tcp_ok(q):
            errors.append(f'SYN {want["sport"]} ({want["kind"]}): MSS {mss_of(q)}, want {want["mss"]}; checksum ok={tcp_ok(q)}')
        else:
            summary['syns'] += 1
    icmps = []
    for fr in frames(os.path.join(d, 'lan_out.pcap')):
        p = Ether(fr)
        if TCP in p:
            want = next((s for s in exp['synacks'] if s['dport'] == p[TCP].dport), None)
            if want and mss_of(p) == want['mss'] and tcp_ok(p):
                summary['synacks'] += 1
            else:
                errors.append(f'SYN-ACK to {p[TCP].dport}: MSS {mss_of(p)}, checksum ok={tcp_ok(p)}')
            continue
        icmps.append(p)
    if exp.get('flood'):
        summary['icmp'] = len(icmps)
        print(json.dumps({**summary, 'errors': errors[:30]}))
        return 0 if not errors else 1
    def quoted_pid(p):
        """the packet an ICMP error quotes, by its IPv4 id or its UDP source port"""
        if ICMP in p:
            return IP(raw(p[ICMP])[8:]).id
        if ICMPv6PacketTooBig in p:
            q = IPv6(raw(p[ICMPv6PacketTooBig])[8:])
            return q[UDP].sport - 5000 if UDP in q else None
        return None
    for want in exp['icmp']:
        found = next((p for p in icmps if (IP in p) == (want['fam'] == 4) and quoted_pid(p) == want['pid']), None)
        if found is None:
            errors.append(f'no ICMP error for packet {want["pid"]} (IPv{want["fam"]})')
            continue
        ip = found[IP] if want['fam'] == 4 else found[IPv6]
        if found.dst != HOST_MAC or ip.src != want['from'] or ip.dst != want['to']:
            errors.append(f'ICMP for {want["pid"]}: {found.dst} {ip.src} -> {ip.dst}')
        if want['fam'] == 4:
            ic = found[ICMP]
            ok = (ic.type, ic.code, ic.nexthopmtu) == (3, 4, want['mtu'])
            csum = checksum(raw(found[IP])[:20]) == 0 and checksum(raw(ic)) == 0
        else:
            ic = found[ICMPv6PacketTooBig]
            ok = ic.mtu == want['mtu']
            csum = in6_chksum(58, found[IPv6], raw(ic)) == 0
        if not ok or not csum:
            errors.append(f'ICMP for {want["pid"]}: {found.summary()} mtu ok={ok} checksum ok={csum}')
            continue
        summary['icmp'] += 1
    print(json.dumps({**summary, 'errors': errors[:30]}))
    return 0 if not errors else 1


if __name__ == '__main__':
    cmd, d = sys.argv[1], sys.argv[2]
    sys.exit(gen(d, len(sys.argv) > 3 and sys.argv[3] == 'flood') if cmd == 'gen' else check(d))
