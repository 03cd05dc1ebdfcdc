// A 1400-byte wan MTU (test/dataplane/esp_mtu.py draws the topology): for three SAs whose ESP
// overheads differ (AES-GCM over IPv4; AES-CBC + HMAC-SHA1 over IPv6 with UDP encapsulation;
// AES-GCM again), Scapy computes the largest inner packet that fits and checks that
//  - a DF IPv4 packet of 1500 bytes, and one a byte over the limit, get ICMP "fragmentation
//    needed" carrying exactly that limit; IPv6 gets "packet too big"; both from the lan port's
//    address, to the sender's MAC, with checksums that verify;
//  - a packet of exactly the limit leaves as one ESP packet of at most the MTU;
//  - a 4000-byte non-DF UDP datagram (fragmented to 1500 by its sender) and a whole 1500-byte
//    one are fragmented before encryption and reassemble intact after Scapy decrypts them;
//  - no ESP packet on the wan is fragmented or larger than the MTU;
//  - ICMP errors are rate-limited, and the suppressed ones counted.
import test from 'ava';
import { nonZero, scapyRound } from './harness.js';

interface Verdict { esp: number; esp_max: number; icmp: number; datagrams: number; syns: number; synacks: number; errors: string[] }

test('too-big packets get ICMP with the exact MTU, the rest are fragmented inside ESP within the MTU', async t => {
	const { stats, verdict, remove } = await scapyRound<Verdict>('esp_mtu.py', 'mtu');
	t.teardown(remove);
	t.deepEqual(verdict.errors, []);
	// 3 SAs x (IPv4 DF + IPv6) x (1500 bytes + one byte over the limit)
	t.is(verdict.icmp, 12);
	t.deepEqual(nonZero(stats.drops), { too_big: 12 }, 'the too-big packets, and nothing else, dropped');
	// per SA: the limit-sized packet in each family, the 4000-byte and the 1500-byte datagram
	t.is(verdict.datagrams, 12);
	t.true(verdict.esp_max <= 1400, `largest ESP packet ${verdict.esp_max} bytes`);
	t.is(verdict.esp_max, 1400, 'a packet of exactly the limit fills the MTU');
	const sa = (spi: string) => stats.sas.find(s => s.spi === spi && s.dir === 'out');
	t.deepEqual(nonZero(sa('0x1001')?.drops ?? {}), { too_big: 4 });
	t.deepEqual(nonZero(sa('0x1002')?.drops ?? {}), { too_big: 4 });
});

test('ICMP errors are rate-limited per worker and the suppressed ones counted', async t => {
	const { stats, verdict, remove } = await scapyRound<Verdict>('esp_mtu.py', 'mtu-flood', ['flood']);
	t.teardown(remove);
	t.deepEqual(verdict.errors, []);
	const sent = stats.drops.too_big ?? 0;
	const quiet = stats.drops.too_big_icmp_limited ?? 0;
	t.is(sent + quiet, 1000, 'every too-big packet counted once');
	t.true(sent >= 50, `${sent} errors sent: at least the burst of 50`);
	t.true(quiet > 0, `${quiet} suppressed`);
	t.is(verdict.icmp, sent, 'one ICMP error on the lan per packet counted as too_big');
});
