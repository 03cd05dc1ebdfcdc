// The classic libpcap file format (what tcpdump -r, Wireshark and Scapy read): a 24-byte
// global header, then per packet a 16-byte record header and the captured bytes. Linktype
// EN10MB: packets captured inside the dataplane (after decrypt, before encrypt) start at the
// IP header, so they get an Ethernet header with zero addresses and the right EtherType.

export const LINKTYPE_ETHERNET = 1;
const ETH_LEN = 14;

/** {snaplen} => the global header: magic (microsecond timestamps), version 2.4, Ethernet */
export function pcapGlobalHeader(snaplen = 65535): Buffer {
	const h = Buffer.alloc(24);
	h.writeUInt32LE(0xa1b2c3d4, 0);
	h.writeUInt16LE(2, 4);
	h.writeUInt16LE(4, 6);
	h.writeUInt32LE(snaplen, 16);
	h.writeUInt32LE(LINKTYPE_ETHERNET, 20);
	return h;
}

/** {IP packet} => the same behind an Ethernet header of zero addresses */
export function withEthernet(ip: Buffer): Buffer {
	const eth = Buffer.alloc(ETH_LEN);
	eth.writeUInt16BE((ip[0] ?? 0) >> 4 === 6 ? 0x86dd : 0x0800, 12);
	return Buffer.concat([eth, ip]);
}

/** {timestamp in ns, original length, captured bytes (Ethernet)} => one pcap record */
export function pcapRecord(tsNs: bigint, origLen: number, frame: Buffer): Buffer {
	const h = Buffer.alloc(16);
	h.writeUInt32LE(Number(tsNs / 1_000_000_000n), 0);
	h.writeUInt32LE(Number((tsNs % 1_000_000_000n) / 1000n), 4);
	h.writeUInt32LE(frame.length, 8);
	h.writeUInt32LE(Math.max(origLen, frame.length), 12);
	return Buffer.concat([h, frame]);
}

/** {a record as capture.read returns it} => its pcap record; an IP-level capture gets an Ethernet header */
export function captureToPcap(r: { tsNs: string; origLen: number; l3: boolean; data: string }): Buffer {
	const data = Buffer.from(r.data, 'base64');
	return r.l3 ? pcapRecord(BigInt(r.tsNs), r.origLen + ETH_LEN, withEthernet(data)) : pcapRecord(BigInt(r.tsNs), r.origLen, data);
}
