// An in-memory DataplaneControl that behaves like the koffi binding where the mirror can
// tell: SAs keyed by SPI + direction + destination, put replaces, del of a missing SA is a
// no-op, invalid algorithms/keys are rejected with an error, each direction's SPD is replaced
// whole. `traffic` plays packets through an SA so counters and sequence numbers move.
import { checkAead, checkCipher, checkIntegrity } from '../../operator/api/algorithms.js';
import type { DataplaneControl, SaCounters, SaKey } from '../../operator/dataplane/control.js';
import type { Direction, DpPolicy, DpSa } from '../../operator/dataplane/types.js';

const keyOf = (k: SaKey) => `${Number.parseInt(k.spi.slice(2), 16) >>> 0}|${k.dir}|${k.dst}`;
const bits = (hex: string) => (hex.length - 2) * 4;

export class FakeDataplaneError extends Error {
	override readonly name = 'FakeDataplaneError';
}

export class FakeDataplane implements DataplaneControl {
	readonly sas = new Map<string, DpSa>();
	readonly counters = new Map<string, SaCounters>();
	readonly spd: Record<Direction, DpPolicy[]> = { in: [], out: [] };
	/** every call, in order, for ordering checks */
	readonly calls: string[] = [];
	/** like a dataplane host that outlived its agent: it can say which SAs it holds exactly */
	remembers = false;

	holds(sa: DpSa): boolean {
		const have = this.sas.get(keyOf(sa));
		if (!this.remembers || !have) return false;
		const { seq: _a, ...x } = have;
		const { seq: _b, ...y } = sa;
		return JSON.stringify(x) === JSON.stringify(y);
	}

	putSa(sa: DpSa): void {
		const why = sa.aead ? checkAead(sa.aead.name, bits(sa.aead.key), sa.aead.icvBits)
			: !sa.enc || !sa.auth ? 'no algorithm'
			: checkCipher(sa.enc.name, bits(sa.enc.key)) ?? checkIntegrity(sa.auth.name, bits(sa.auth.key), sa.auth.truncBits);
		if (why) throw new FakeDataplaneError(`invalid SA ${sa.spi}: ${why}`);
		const k = keyOf(sa);
		this.calls.push(`put ${sa.spi} ${sa.dir}`);
		const old = this.counters.get(k);
		this.sas.set(k, { ...sa });
		const start = BigInt(sa.seq ?? 0);
		this.counters.set(k, old ?? {
			spi: sa.spi, dir: sa.dir, dst: sa.dst, packets: 0n, bytes: 0n, lastUsed: 0,
			// outbound: "last sent" is one below the first to use
			seq: sa.dir === 'out' ? (start > 0n ? start - 1n : 0n) : start, drops: {},
		});
		if (old && sa.dir === 'out' && sa.seq !== undefined) old.seq = BigInt(sa.seq) - 1n;
	}

	delSa(key: SaKey): void {
		const k = keyOf(key);
		if (this.sas.delete(k)) this.calls.push(`del ${key.spi} ${key.dir}`);
		this.counters.delete(k);
	}

	replacePolicies(dir: Direction, policies: DpPolicy[]): void {
		// As the C side (dataplane/src/spd.c): all or nothing, and protect needs an SA to name.
		policies.forEach((p, i) => {
			if (p.dir !== dir) throw new FakeDataplaneError(`policies[${i}].dir: not ${dir}`);
			if (p.action === 'protect' && !p.spi && !p.reqid) throw new FakeDataplaneError(`policies[${i}].spi: a protect policy needs an spi or a reqid`);
		});
		this.calls.push(`spd ${dir} ${policies.length}`);
		this.spd[dir] = [...policies];
	}

	listSas(): SaKey[] {
		return [...this.sas.values()].map(s => ({ spi: s.spi, dir: s.dir, dst: s.dst }));
	}

	saCounters(): SaCounters[] {
		return [...this.counters.values()].map(c => ({ ...c, drops: { ...c.drops } }));
	}

	/** Plays `packets` packets of `size` bytes through the SA at unix time `now`. */
	traffic(key: SaKey, packets: number, size: number, now = Math.floor(Date.now() / 1000)): void {
		const c = this.counters.get(keyOf(key));
		if (!c) throw new FakeDataplaneError(`no SA ${key.spi} ${key.dir} ${key.dst}`);
		c.packets += BigInt(packets);
		c.bytes += BigInt(packets * size);
		c.seq += BigInt(packets);
		c.lastUsed = now;
		if (key.dir === 'in') c.replayBitmap = Uint32Array.from([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]);
	}

	/** SA lookup by SPI and direction, for assertions */
	find(spi: string, dir: Direction): DpSa | undefined {
		return [...this.sas.values()].find(s => s.dir === dir && Number.parseInt(s.spi.slice(2), 16) === Number.parseInt(spi.slice(2), 16));
	}
}
