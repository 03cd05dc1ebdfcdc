// What a stream lost around an event: from the sender's send time per sequence number and the
// receiver's (sequence, arrival time) pairs, both in ms on one clock (udp-stream.ts).

export interface Window {
	from: number;
	to: number;
}

export interface WindowStats {
	/** the longest time between two consecutive arrivals that touches the window, ms */
	longestGapMs: number;
	/** packets sent inside the window that never arrived */
	lost: number;
	/** packets sent inside the window */
	sent: number;
}

export function windowStats(sendTimes: readonly number[], arrivals: ReadonlyArray<readonly [number, number]>, w: Window): WindowStats {
	const received = new Set(arrivals.map(a => a[0]));
	let sent = 0;
	let lost = 0;
	sendTimes.forEach((t, seq) => {
		if (t < w.from || t > w.to) return;
		sent++;
		if (!received.has(seq)) lost++;
	});
	const times = arrivals.map(a => a[1]).sort((a, b) => a - b);
	let longestGapMs = 0;
	for (let i = 1; i < times.length; i++) {
		const a = times[i - 1]!, b = times[i]!;
		if (b >= w.from && a <= w.to) longestGapMs = Math.max(longestGapMs, b - a);
	}
	return { longestGapMs, lost, sent };
}

/** The p-th percentile (nearest rank) of xs; NaN for none. */
export function percentile(xs: readonly number[], p: number): number {
	if (xs.length === 0) return NaN;
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
