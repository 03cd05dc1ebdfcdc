#!/usr/bin/python3
"""Scapy's side of the ESP interop matrix (Scapy's ESP is independent of esplane's).

  esp_matrix.py gen DIR    config.json for esplane-dp, lan_in.pcap (clear inner packets to
                           encrypt), wan_in.pcap (the same kind of packets encrypted by Scapy)
  esp_matrix.py check DIR [SUFFIX]
                           esplane's wan_out<SUFFIX>.pcap decrypted by Scapy and lan_out<SUFFIX>.pcap
                           compared byte for byte with what was sent; prints a JSON summary

Every algorithm x outer IPv4/IPv6 x inner IPv4/IPv6 x ESN x NAT-T combination is one SA pair
with its own SPIs, inner addresses and policies, so the whole matrix is one config and one
runner start. Every SA carries a burst of 257 packets with inner sizes from 1 to 1500 bytes.
ESN SAs start just below 2^32 so every burst crosses into the high word.

Scapy costs ~3 ms a packet, too slow for 112 x 257 packets each way on two shared cores, so
every 8th packet of each burst is Scapy's (encrypted by Scapy for esplane; esplane's decrypted
by Scapy) and all packets go through esp_codec.py, an ESP written from the RFCs over the
`cryptography` library (no esplane and no Scapy code). Scapy's packets also check the codec:
gen decrypts each of them with it.

    Scapy (peer)                         esplane-dp
    wan_in.pcap  --ESP-->  [wan port 0] --decrypt--> [lan port 1] --> lan_out.pcap
    wan_out.pcap <--ESP--  [wan port 0] <-encrypt--  [lan port 1] <-- lan_in.pcap
"""
import json
import os
import struct
import sys
from multiprocessing import Pool

from scapy.all import ESP, IP, UDP, Ether, IPv6, raw  # noqa: E402
from scapy.layers.ipsec import IPSecIntegrityError, SecurityAssociation  # noqa: E402
from scapy.utils import RawPcapReader, RawPcapWriter  # noqa: E402

import esp_codec  # noqa: E402

BURST = 257        # packets per SA, inner sizes 1 .. 1500
SCAPY_EVERY = 8    # packets j % 8 == 0 are Scapy's both ways; the codec checks every packet
ALGS = [
    # name, esplane fields, scapy crypt, scapy auth, key lengths (enc, auth), codec kind, hmac
    ('gcm128', {'aead': 'rfc4106(gcm(aes))', 'icvBits': 128}, 'AES-GCM', None, 20, 0, 'gcm', None),
    ('gcm256', {'aead': 'rfc4106(gcm(aes))', 'icvBits': 128}, 'AES-GCM', None, 36, 0, 'gcm', None),
    ('chacha', {'aead': 'rfc7539esp(chacha20,poly1305)', 'icvBits': 128}, 'CHACHA20-POLY1305', None, 36, 0, 'chacha', None),
    ('cbc128-sha1', {'enc': 'cbc(aes)', 'auth': 'hmac(sha1)', 'truncBits': 96}, 'AES-CBC', 'HMAC-SHA1-96', 16, 20, 'cbc', 'sha1'),
    ('cbc256-sha1', {'enc': 'cbc(aes)', 'auth': 'hmac(sha1)', 'truncBits': 96}, 'AES-CBC', 'HMAC-SHA1-96', 32, 20, 'cbc', 'sha1'),
    ('cbc128-sha256', {'enc': 'cbc(aes)', 'auth': 'hmac(sha256)', 'truncBits': 128}, 'AES-CBC', 'SHA2-256-128', 16, 32, 'cbc', 'sha256'),
    ('cbc256-sha256', {'enc': 'cbc(aes)', 'auth': 'hmac(sha256)', 'truncBits': 128}, 'AES-CBC', 'SHA2-256-128', 32, 32, 'cbc', 'sha256'),
]
LOCAL = {4: '192.0.2.1', 6: '2001:db8::1'}
PEER = {4: '192.0.2.2', 6: '2001:db8::2'}
PEER_MAC = '02:00:00:00:00:02'
LAN_GW = {4: '10.255.255.254', 6: 'fd00:ffff::fffe'}
LAN_GW_MAC = '02:00:00:00:01:fe'
ESN_START = 0xFFFFFFF0


def combos():
    c = 0
    for alg in ALGS:
        for outer in (4, 6):
            for inner in (4, 6):
                for esn in (False, True):
                    for natt in (False, True):
                        yield dict(i=c, alg=alg, outer=outer, inner=inner, esn=esn, natt=natt, n=BURST)
                        c += 1


def key(n, seed):
    return bytes((seed * 31 + k * 7 + 1) % 256 for k in range(n))


def hexkey(b):
    return '0x' + b.hex()


def inner_addrs(c, side):
    """side 1 = behind esplane (lan), 2 = behind the peer"""
    if c['inner'] == 4:
        return f'10.{side}.{c["i"]}.1'
    return f'fd00:{side}::{c["i"]:x}:1'


def spi(c, direction):
    return (0x1000 if direction == 'out' else 0x2000) + c['i']


def sa_json(c, direction):
    name, fields, _, _, klen, alen, _, _ = c['alg']
    seed = spi(c, direction)
    src, dst = (LOCAL, PEER) if direction == 'out' else (PEER, LOCAL)
    sa = {'spi': hex(seed), 'dir': direction, 'mode': 'tunnel',
          'src': src[c['outer']], 'dst': dst[c['outer']],
          'replayWindow': 1024 if c['esn'] else 64, 'esn': c['esn']}
    if 'aead' in fields:
        sa['aead'] = {'name': fields['aead'], 'key': hexkey(key(klen, seed)), 'icvBits': fields['icvBits']}
    else:
        sa['enc'] = {'name': fields['enc'], 'key': hexkey(key(klen, seed))}
        sa['auth'] = {'name': fields['auth'], 'key': hexkey(key(alen, seed + 7)), 'truncBits': fields['truncBits']}
    if c['natt']:
        sa['encap'] = {'type': 'espinudp', 'sport': 4500, 'dport': 4500}
    if c['esn']:
        sa['seq'] = ESN_START
    return sa


def codec_sa(c, direction):
    _, fields, _, _, klen, alen, kind, mac = c['alg']
    seed = spi(c, direction)
    src, dst = (LOCAL, PEER) if direction == 'out' else (PEER, LOCAL)
    icv = (fields.get('icvBits') or fields.get('truncBits')) // 8
    return esp_codec.Sa(seed, kind, key(klen, seed), src[c['outer']], dst[c['outer']], c['outer'], esn=c['esn'],
                        natt=c['natt'], hmac_name=mac, auth_key=key(alen, seed + 7) if mac else None, icv=icv)


def scapy_sa(c, direction):
    name, fields, crypt, auth, klen, alen, _, _ = c['alg']
    seed = spi(c, direction)
    src, dst = (LOCAL, PEER) if direction == 'out' else (PEER, LOCAL)
    hdr = IP(src=src[4], dst=dst[4]) if c['outer'] == 4 else IPv6(src=src[6], dst=dst[6])
    kw = dict(crypt_algo=crypt, crypt_key=key(klen, seed), tunnel_header=hdr, esn_en=c['esn'])
    if auth:
        kw.update(auth_algo=auth, auth_key=key(alen, seed + 7))
    if c['natt']:
        kw['nat_t_header'] = UDP(sport=4500, dport=4500)
    sa = SecurityAssociation(ESP, spi=seed, **kw)
    sa.seq_num = 0      # Scapy treats seq_num=0 as "use sa.seq_num": make that 0 too
    return sa


class EsnAuth:
    """Scapy 2.5 appends the high sequence bits to the HMAC input only for AH, never for ESP
    (RFC 4303 2.2.1 and 3.3.2.2 require it for ESP with ESN; the kernel does it). This keeps
    Scapy's MAC (AuthAlgo.new_mac) and framing and adds the 4 bytes it omits."""

    def __init__(self, algo, hi):
        self.algo, self.hi = algo, hi

    def __getattr__(self, name):
        return getattr(self.algo, name)

    def _icv(self, esp_bytes, key):
        mac = self.algo.new_mac(key)
        mac.update(esp_bytes + struct.pack('!L', self.hi))
        return mac.finalize()[:self.algo.icv_size]

    def sign(self, pkt, key, esn_en=False, esn=0):
        pkt[ESP].data += self._icv(raw(pkt[ESP]), key)
        return pkt

    def verify(self, pkt, key, esn_en=False, esn=0):
        n = self.algo.icv_size
        clone = pkt.copy()
        icv = clone.data[len(clone.data) - n:]
        clone.data = clone.data[:len(clone.data) - n]
        if self._icv(raw(clone), key) != icv:
            raise IPSecIntegrityError('ESN ICV mismatch')


def with_esn(sa, c, seq):
    if c['esn'] and c['alg'][3]:
        base = sa.auth_algo.algo if isinstance(sa.auth_algo, EsnAuth) else sa.auth_algo
        sa.auth_algo = EsnAuth(base, seq >> 32)
    return sa


def inner_packet(c, j, src_side, dst_side):
    """{combo, index} => the inner IP/UDP packet's bytes: total size 1 + headers .. 1500"""
    hdr_len = 28 if c['inner'] == 4 else 48
    size = 1 + (j * (1500 - hdr_len - 1)) // (c['n'] - 1)      # 1 .. 1500 - headers
    payload = bytes(((c['i'] + j + k) % 251) for k in range(size))
    src, dst = inner_addrs(c, src_side), inner_addrs(c, dst_side)
    seg = esp_codec.udp(src, dst, 1000 + c['i'], 2000 + j % 50, payload, c['inner'])
    return esp_codec.ip_packet(c['inner'], src, dst, esp_codec.IPPROTO_UDP, seg, ident=j)


def ether(dst, src, l3):
    mac = bytes.fromhex
    return mac(dst.replace(':', '')) + mac(src.replace(':', '')) + (b'\x08\x00' if l3[0] >> 4 == 4 else b'\x86\xdd') + l3


def seq_of(c, j):
    return (ESN_START if c['esn'] else 0) + 1 + j


def order():
    """chunks of 16 packets per SA, interleaved across SAs, as a busy gateway sees them"""
    cs = list(combos())
    for start in range(0, BURST, 16):
        for c in cs:
            for j in range(start, min(start + 16, c['n'])):
                yield c, j


def gen(d):
    cs = list(combos())
    cfg = {
        # a jumbo wan: inner packets go up to 1500 bytes and each must leave as one ESP packet
        # (packets too big for the wan MTU have their own test, esp_mtu.py)
        'ports': [{'name': 'wan', 'port': 0, 'role': 'wan', 'mtu': 9000, 'addresses': ['192.0.2.1/24', '2001:db8::1/64']},
                  {'name': 'lan', 'port': 1, 'role': 'lan'}],
        'sas': [], 'policies': [],
        'routes': [{'dst': '192.0.2.0/24', 'port': 'wan'}, {'dst': '2001:db8::/64', 'port': 'wan'},
                   {'dst': '10.1.0.0/16', 'port': 'lan', 'via': LAN_GW[4]},
                   {'dst': 'fd00:1::/32', 'port': 'lan', 'via': LAN_GW[6]}],
        'neighbors': [{'ip': PEER[4], 'mac': PEER_MAC, 'port': 'wan'},
                      {'ip': PEER[6], 'mac': PEER_MAC, 'port': 'wan'},
                      {'ip': LAN_GW[4], 'mac': LAN_GW_MAC, 'port': 'lan'},
                      {'ip': LAN_GW[6], 'mac': LAN_GW_MAC, 'port': 'lan'}],
    }
    for c in cs:
        cfg['sas'] += [sa_json(c, 'out'), sa_json(c, 'in')]
        host = 32 if c['inner'] == 4 else 128
        cfg['policies'].append({'dir': 'out', 'src': f'{inner_addrs(c, 1)}/{host}', 'dst': f'{inner_addrs(c, 2)}/{host}',
                                'proto': 'udp', 'action': 'protect', 'spi': hex(spi(c, 'out')), 'priority': 10})
        cfg['policies'].append({'dir': 'in', 'src': f'{inner_addrs(c, 2)}/{host}', 'dst': f'{inner_addrs(c, 1)}/{host}',
                                'action': 'protect', 'spi': hex(spi(c, 'in')), 'priority': 10})
    with open(os.path.join(d, 'config.json'), 'w') as f:
        json.dump(cfg, f, indent=1)
    with Pool(os.cpu_count()) as pool:
        made = dict(zip(range(len(cs)), pool.map(gen_combo, range(len(cs)))))
    lan = RawPcapWriter(os.path.join(d, 'lan_in.pcap'), linktype=1)
    wan = RawPcapWriter(os.path.join(d, 'wan_in.pcap'), linktype=1)
    for c, j in order():
        lan.write(made[c['i']][0][j])
        wan.write(made[c['i']][1][j])
    lan.close()
    wan.close()
    print(json.dumps({'combos': len(cs), 'packets': sum(c['n'] for c in cs)}))


def gen_combo(i):
    c = list(combos())[i]
    sa, codec = scapy_sa(c, 'in'), codec_sa(c, 'in')
    lan, wan = [], []
    for j in range(c['n']):
        lan.append(ether('02:00:00:00:01:01', LAN_GW_MAC, inner_packet(c, j, 1, 2)))
        seq, inner = seq_of(c, j), inner_packet(c, j, 2, 1)
        if j % SCAPY_EVERY == 0:
            enc = raw(with_esn(sa, c, seq).encrypt(IP(inner) if c['inner'] == 4 else IPv6(inner),
                                                   seq_num=seq & 0xFFFFFFFF, esn=seq >> 32))
            if codec.decrypt(enc, seq, scapy_udp=True) != inner:    # the codec reads Scapy's ESP
                raise SystemExit(f'{label(c)} pkt {j}: esp_codec decrypts Scapy\'s ESP differently')
        else:
            enc = codec.encrypt(inner, seq, ident=j)
        wan.append(ether('02:00:00:00:00:01', PEER_MAC, enc))
    return lan, wan


def esp_of(pkt):
    if UDP in pkt and pkt[UDP].dport == 4500:
        pkt[UDP].decode_payload_as(ESP)
    return pkt


def label(c):
    return f'combo {c["i"]} ({c["alg"][0]} outer v{c["outer"]} inner v{c["inner"]} esn={c["esn"]} natt={c["natt"]})'


def check_combo(args):
    """{combo, esplane's ESP frames of its out SA, decrypted frames of its in SA} => (ok out, ok in, errors)"""
    i, outs, ins = args
    c = list(combos())[i]
    sa, codec = scapy_sa(c, 'out'), codec_sa(c, 'out')
    errors, ok_out, ok_in = [], 0, 0
    for j, frame in enumerate(outs):
        seq, want = seq_of(c, j), inner_packet(c, j, 1, 2)
        if frame[0:6] != bytes.fromhex(PEER_MAC.replace(':', '')):
            errors.append(f'{label(c)} out pkt {j}: Ether dst is not the peer')
            continue
        try:
            if codec.decrypt(frame[14:], seq) != want:
                errors.append(f'{label(c)} out pkt {j}: esp_codec decrypted a different inner packet')
                continue
        except Exception as e:  # noqa: BLE001
            errors.append(f'{label(c)} out pkt {j}: esp_codec cannot decrypt: {e}')
            continue
        if j % SCAPY_EVERY:
            ok_out += 1
            continue
        p = esp_of(Ether(frame))
        if ESP not in p or p[ESP].seq != seq & 0xFFFFFFFF:
            errors.append(f'{label(c)} out pkt {j}: Scapy sees no ESP with seq {seq:#x}: {p.summary()}')
            continue
        try:
            inner = with_esn(sa, c, seq).decrypt(p[Ether].payload, esn=seq >> 32)
            if bytes(inner) == want:
                ok_out += 1
            else:
                errors.append(f'{label(c)} out pkt {j}: Scapy decrypted a different inner packet')
        except Exception as e:  # noqa: BLE001
            errors.append(f'{label(c)} out pkt {j}: Scapy cannot decrypt: {e}')
    for j, frame in enumerate(ins):
        if frame[0:6] != bytes.fromhex(LAN_GW_MAC.replace(':', '')):
            errors.append(f'{label(c)} in pkt {j}: Ether dst is not the lan neighbour')
        elif frame[14:] != inner_packet(c, j, 2, 1):
            errors.append(f'{label(c)} in pkt {j}: decrypted inner packet differs')
        else:
            ok_in += 1
    if len(outs) != c['n'] or len(ins) != c['n']:
        errors.append(f'{label(c)}: {len(outs)} ESP and {len(ins)} clear packets out, expected {c["n"]} each')
    return ok_out, ok_in, errors[:5]


def frames(path):
    return [bytes(data) for data, _meta in RawPcapReader(path)]


def udp_sport(frame):
    """source port of the UDP inside an IPv4/IPv6 frame (the combo index + 1000)"""
    if frame[12:14] == b'\x08\x00':
        off = 14 + (frame[14] & 15) * 4
    else:
        off = 14 + 40
    return int.from_bytes(frame[off:off + 2], 'big')


def spi_of(frame):
    if frame[12:14] == b'\x08\x00':
        off, proto = 14 + (frame[14] & 15) * 4, frame[23]
    else:
        off, proto = 14 + 40, frame[20]
    if proto == 17:
        off += 8
    return int.from_bytes(frame[off:off + 4], 'big')


def check(d, suffix=''):
    cs = list(combos())
    outs = {c['i']: [] for c in cs}
    ins = {c['i']: [] for c in cs}
    stray = []
    for f in frames(os.path.join(d, f'wan_out{suffix}.pcap')):
        i = spi_of(f) - 0x1000
        (outs[i] if i in outs else stray).append(f)
    for f in frames(os.path.join(d, f'lan_out{suffix}.pcap')):
        i = udp_sport(f) - 1000
        (ins[i] if i in ins else stray).append(f)
    with Pool(os.cpu_count()) as pool:
        results = pool.map(check_combo, [(c['i'], outs[c['i']], ins[c['i']]) for c in cs])
    errors = [e for r in results for e in r[2]]
    if stray:
        errors.append(f'{len(stray)} packets out that belong to no combination')
    ok = {'out': sum(r[0] for r in results), 'in': sum(r[1] for r in results)}
    total = sum(c['n'] for c in cs)
    print(json.dumps({'ok': ok, 'expected': total, 'errors': errors[:30]}))
    return 0 if not errors and ok['in'] == ok['out'] == total else 1


if __name__ == '__main__':
    cmd, d = sys.argv[1], sys.argv[2]
    sys.exit(gen(d) if cmd == 'gen' else check(d, sys.argv[3] if len(sys.argv) > 3 else ''))
