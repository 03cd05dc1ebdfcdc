#!/usr/bin/python3
"""Scapy's side of the capture and trace tests: what a peer sends to esplane's wan port.

  esp_capture.py gen DIR   wan_in.pcap: ESP (AES-GCM-128, SPI 0x200, seq 1..4) from 192.0.2.2
                           to 192.0.2.1 carrying UDP 10.2.0.1:400i -> 10.1.0.1:500i, then one
                           ESP packet of an unknown SPI (0x999) and one plain UDP datagram
                           (not ESP); inner.json: the hex of the four inner packets;
                           lan_in.pcap: what hosts behind esplane send: UDP 10.1.0.1 to
                           10.2.0.1 (protected), to 10.3.0.1 (discarded), to 10.9.0.1 (no policy),
                           1500 bytes to 10.2.0.2 (protected, in fragments)
"""
import json
import os
import sys

from scapy.all import ESP, IP, UDP, Ether, Raw, raw  # noqa: E402
from scapy.layers.ipsec import SecurityAssociation  # noqa: E402
from scapy.utils import wrpcap  # noqa: E402

KEY = bytes.fromhex('a5' * 16 + '01020304')   # the test's SA key: 16 bytes + 4 bytes of salt
L2 = dict(src='02:00:00:00:00:02', dst='02:00:00:00:00:01')


def gen(d):
    sa = SecurityAssociation(ESP, spi=0x200, crypt_algo='AES-GCM', crypt_key=KEY,
                             tunnel_header=IP(src='192.0.2.2', dst='192.0.2.1'))
    frames, inner = [], []
    for i in range(1, 5):
        p = IP(src='10.2.0.1', dst='10.1.0.1', id=i) / UDP(sport=4000 + i, dport=5000 + i) / Raw(b'capture-%d' % i)
        p = IP(raw(p))
        inner.append(raw(p).hex())
        frames.append(Ether(**L2) / sa.encrypt(p, seq_num=i))
    stranger = SecurityAssociation(ESP, spi=0x999, crypt_algo='AES-GCM', crypt_key=KEY,
                                   tunnel_header=IP(src='192.0.2.2', dst='192.0.2.1'))
    frames.append(Ether(**L2) / stranger.encrypt(IP(src='10.2.0.9', dst='10.1.0.9') / UDP(sport=9, dport=9), seq_num=1))
    frames.append(Ether(**L2) / IP(src='192.0.2.2', dst='192.0.2.1') / UDP(sport=53, dport=53) / Raw(b'dns'))
    wrpcap(os.path.join(d, 'wan_in.pcap'), frames)
    lan = [Ether(src='02:00:00:00:01:01', dst='02:00:00:00:01:fe') / IP(src='10.1.0.1', dst=dst) / UDP(sport=6000, dport=6001) / Raw(b'lan')
           for dst in ('10.2.0.1', '10.3.0.1', '10.9.0.1')]
    # a full-size packet: too big for the wan once in ESP, so it is fragmented before encryption
    lan.append(Ether(src='02:00:00:00:01:01', dst='02:00:00:00:01:fe') / IP(src='10.1.0.1', dst='10.2.0.2') / UDP(sport=6000, dport=6001) / Raw(b'x' * 1472))
    wrpcap(os.path.join(d, 'lan_in.pcap'), lan)
    with open(os.path.join(d, 'inner.json'), 'w') as f:
        json.dump(inner, f)


if __name__ == '__main__':
    if sys.argv[1] == 'gen':
        gen(sys.argv[2])
