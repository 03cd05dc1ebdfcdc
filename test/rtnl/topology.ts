// The topology every rtnetlink test uses:
//
//   netns "a" (the node: the mirror watches it)         netns "b" (the peer)
//   ┌───────────────────────────────────┐               ┌─────────────────────────────┐
//   │ esp-wan0 192.0.2.1/24 2001:db8::1 ├── veth ───────┤ peer0 192.0.2.2/24 2001:db8::2 │
//   │ other0 198.51.100.1/24            ├── veth ───────┤ other1 198.51.100.2/24      │
//   └───────────────────────────────────┘               └─────────────────────────────┘
//
// esp-wan0 plays the exception TAP (mirrored as port "wan"); other0 is an interface whose
// entries the mirror must ignore.
import { Netns } from './netns.js';

export interface Topology {
	a: Netns;
	b: Netns;
	close(): void;
}

export function twoNamespaces(): Topology {
	const a = new Netns('a');
	let b: Netns | undefined;
	try {
		b = new Netns('b');
		a.batch([
			`link add esp-wan0 type veth peer name peer0 netns ${b.name}`,
			`link add other0 type veth peer name other1 netns ${b.name}`,
			'addr add 192.0.2.1/24 dev esp-wan0',
			'addr add 2001:db8::1/64 dev esp-wan0 nodad',
			'addr add 198.51.100.1/24 dev other0',
			'link set esp-wan0 up',
			'link set other0 up',
		]);
		b.batch([
			'addr add 192.0.2.2/24 dev peer0',
			'addr add 2001:db8::2/64 dev peer0 nodad',
			'addr add 198.51.100.2/24 dev other1',
			'link set peer0 up',
			'link set other1 up',
		]);
	} catch (e) {
		b?.delete();
		a.delete();
		throw e;
	}
	const bb = b;
	return { a, b: bb, close: () => { a.delete(); bb.delete(); } };
}
