"""Tunnel-mode ESP (RFC 4303, UDP encapsulation RFC 3948) written straight from the RFCs over
the `cryptography` library: no esplane code, and no Scapy packet objects, so one packet costs
tens of microseconds instead of Scapy's milliseconds. esp_matrix.py uses it for the bulk of
each burst and keeps Scapy for a sample of every burst; both must agree with esplane byte for
byte.

    [outer IP][UDP 4500]?[SPI|seq][IV][inner|pad 1,2,..|pad len|next hdr][ICV]
    AEAD (GCM, ChaCha20-Poly1305): nonce = salt|IV, AAD = SPI|seq (SPI|seq hi|seq lo with ESN)
    CBC + HMAC: ICV = HMAC(SPI|seq|IV|ciphertext (|seq hi with ESN)), truncated
"""
import hashlib
import hmac
import ipaddress
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

IPPROTO_IPIP, IPPROTO_IPV6, IPPROTO_UDP, IPPROTO_ESP = 4, 41, 17, 50


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack(f'!{len(data) // 2}H', data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip_bytes(addr):
    return ipaddress.ip_address(addr).packed


def ipv4(src, dst, proto, payload, ident=0, ttl=64):
    hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident, 0, ttl, proto, 0,
                      ip_bytes(src), ip_bytes(dst))
    return hdr[:10] + struct.pack('!H', csum(hdr)) + hdr[12:] + payload


def ipv6(src, dst, nh, payload, hlim=64):
    return struct.pack('!IHBB16s16s', 6 << 28, len(payload), nh, hlim, ip_bytes(src), ip_bytes(dst)) + payload


def udp(src, dst, sport, dport, payload, family):
    """a UDP datagram with its checksum over the pseudo-header of src/dst"""
    length = 8 + len(payload)
    if family == 4:
        pseudo = ip_bytes(src) + ip_bytes(dst) + struct.pack('!BBH', 0, IPPROTO_UDP, length)
    else:
        pseudo = ip_bytes(src) + ip_bytes(dst) + struct.pack('!IxxxB', length, IPPROTO_UDP)
    seg = struct.pack('!HHHH', sport, dport, length, 0) + payload
    c = csum(pseudo + seg) or 0xFFFF
    return seg[:6] + struct.pack('!H', c) + seg[8:]


def ip_packet(family, src, dst, proto, payload, ident=0):
    return ipv4(src, dst, proto, payload, ident) if family == 4 else ipv6(src, dst, proto, payload)


class Sa:
    """kind: 'gcm' | 'chacha' | 'cbc'; key includes the 4-byte salt for the AEADs; hmac_name
    and icv are for cbc only ('sha1' 12 bytes, 'sha256' 16 bytes)"""

    def __init__(self, spi, kind, key, src, dst, family, esn=False, natt=False, hmac_name=None, auth_key=None,
                 icv=16):
        self.spi, self.kind, self.src, self.dst, self.family = spi, kind, src, dst, family
        self.esn, self.natt, self.icv = esn, natt, icv
        if kind == 'cbc':
            self.key, self.auth_key, self.hmac_name = key, auth_key, hmac_name
            self.block, self.iv_len = 16, 16
        else:
            self.key, self.salt = key[:-4], key[-4:]
            self.aead = AESGCM(self.key) if kind == 'gcm' else ChaCha20Poly1305(self.key)
            self.block, self.iv_len = 4, 8

    def _aad(self, seq):
        hi = struct.pack('!I', seq >> 32) if self.esn else b''
        return struct.pack('!I', self.spi) + hi + struct.pack('!I', seq & 0xFFFFFFFF)

    def _mac(self, data, seq):
        hi = struct.pack('!I', seq >> 32) if self.esn else b''
        return hmac.new(self.auth_key, data + hi, getattr(hashlib, self.hmac_name)).digest()[:self.icv]

    def encrypt(self, inner, seq, iv=None, ident=0):
        """{inner L3 packet, 64-bit seq} => the outer L3 packet"""
        next_hdr = IPPROTO_IPIP if inner[0] >> 4 == 4 else IPPROTO_IPV6
        pad = -(len(inner) + 2) % self.block
        pt = inner + bytes(range(1, pad + 1)) + bytes([pad, next_hdr])
        head = struct.pack('!II', self.spi, seq & 0xFFFFFFFF)
        iv = iv if iv is not None else os.urandom(self.iv_len)
        if self.kind == 'cbc':
            enc = Cipher(algorithms.AES(self.key), modes.CBC(iv)).encryptor()
            body = head + iv + enc.update(pt) + enc.finalize()
            esp = body + self._mac(body, seq)
        else:
            esp = head + iv + self.aead.encrypt(self.salt + iv, pt, self._aad(seq))
        if self.natt:
            return ip_packet(self.family, self.src, self.dst, IPPROTO_UDP,
                             udp(self.src, self.dst, 4500, 4500, esp, self.family), ident)
        return ip_packet(self.family, self.src, self.dst, IPPROTO_ESP, esp, ident)

    def decrypt(self, outer, seq, scapy_udp=False):
        """{outer L3 packet, the 64-bit seq it must carry} => the inner L3 packet; raises
        ValueError naming the first thing that is wrong. scapy_udp lets through what Scapy 2.5
        writes in the UDP header of NAT-T: length 8 and checksum 0 even over IPv6 (RFC 8200
        forbids that)."""
        family = outer[0] >> 4
        if family != self.family:
            raise ValueError(f'outer IPv{family}, expected IPv{self.family}')
        if family == 4:
            hl, proto, src, dst = (outer[0] & 15) * 4, outer[9], outer[12:16], outer[16:20]
            if csum(outer[:hl]) != 0:
                raise ValueError('bad outer IPv4 header checksum')
            end = struct.unpack('!H', outer[2:4])[0]
        else:
            hl, proto, src, dst = 40, outer[6], outer[8:24], outer[24:40]
            end = 40 + struct.unpack('!H', outer[4:6])[0]
        if (src, dst) != (ip_bytes(self.src), ip_bytes(self.dst)):
            raise ValueError('outer addresses are not the SA\'s')
        if end != len(outer):
            raise ValueError(f'outer length field {end}, packet {len(outer)}')
        if self.natt:
            if proto != IPPROTO_UDP or outer[hl:hl + 4] != struct.pack('!HH', 4500, 4500):
                raise ValueError('not UDP 4500 -> 4500')
            seg = outer[hl:]
            if not scapy_udp and struct.unpack('!H', seg[4:6])[0] != len(seg):
                raise ValueError('bad UDP length')
            if family == 6 and not scapy_udp and udp(self.src, self.dst, 4500, 4500, seg[8:], 6) != seg:
                raise ValueError('bad UDP checksum over IPv6')
            esp = seg[8:]
        else:
            if proto != IPPROTO_ESP:
                raise ValueError(f'protocol {proto}, not ESP')
            esp = outer[hl:]
        spi, seq_lo = struct.unpack('!II', esp[:8])
        if spi != self.spi or seq_lo != seq & 0xFFFFFFFF:
            raise ValueError(f'SPI {spi:#x} seq {seq_lo:#x}, expected {self.spi:#x} {seq & 0xFFFFFFFF:#x}')
        iv = esp[8:8 + self.iv_len]
        if self.kind == 'cbc':
            body, icv = esp[:-self.icv], esp[-self.icv:]
            if not hmac.compare_digest(self._mac(body, seq), icv):
                raise ValueError('ICV does not verify')
            dec = Cipher(algorithms.AES(self.key), modes.CBC(iv)).decryptor()
            pt = dec.update(body[8 + self.iv_len:]) + dec.finalize()
        else:
            pt = self.aead.decrypt(self.salt + iv, esp[8 + self.iv_len:], self._aad(seq))  # raises on a bad tag
        pad, next_hdr = pt[-2], pt[-1]
        if pt[-2 - pad:-2] != bytes(range(1, pad + 1)):
            raise ValueError('padding is not 1, 2, 3, ... (RFC 4303 2.4)')
        if len(pt) % self.block:
            raise ValueError(f'payload not a multiple of {self.block}')
        inner = pt[:-2 - pad]
        if next_hdr != (IPPROTO_IPIP if inner[0] >> 4 == 4 else IPPROTO_IPV6):
            raise ValueError(f'next header {next_hdr} does not name the inner IP version')
        return inner
