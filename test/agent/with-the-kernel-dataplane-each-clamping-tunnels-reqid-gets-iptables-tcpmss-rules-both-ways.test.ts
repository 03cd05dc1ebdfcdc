// spec.mssClamp with the kernel's ESP: the agent's mangle chain ESPLANE-MSS holds, for each
// clamping reqid, a TCPMSS rule per direction (policy match on the reqid), reached from
// FORWARD for SYNs; a changed map rewrites the chain (an edited clamp, a gone tunnel), the
// jump is there once however often it is written, a killed agent's chain is emptied by the
// next one when nothing clamps any more, and remove() leaves nothing behind. Real
// iptables in a network namespace of this test (never the machine's own tables).
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { IptablesMssClamp, MSS_CHAIN } from '../../operator/agent/kernel-mss-clamp.js';
import { createLogger } from '../../operator/log/index.js';

const ns = `mss-ipt-${process.pid}`;
const sh = (args: string[]) => execFileSync('ip', ['netns', 'exec', ns, ...args], { encoding: 'utf8' });
const mangle = () => sh(['iptables', '-t', 'mangle', '-S']).split('\n').filter(l => l.includes(MSS_CHAIN));
const mangle6 = () => sh(['ip6tables', '-t', 'mangle', '-S']).split('\n').filter(l => l.includes(MSS_CHAIN));

test('each clamping reqid gets a TCPMSS rule per direction, rewritten on change and removed on stop', async t => {
	execFileSync('ip', ['netns', 'add', ns]);
	t.teardown(() => execFileSync('ip', ['netns', 'del', ns]));
	const logs: string[] = [];
	const log = createLogger('test', { level: 'debug', destination: { write: (s: string) => { logs.push(s); } } });
	const ipt = new IptablesMssClamp({ log, prefix: ['ip', 'netns', 'exec', ns] });

	await ipt.apply(new Map());
	t.deepEqual(mangle(), [], 'nothing is written while no tunnel clamps');

	await ipt.apply(new Map([[1, 1360], [4, 1200]]));
	const jump = `-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j ${MSS_CHAIN}`;
	const rule = (dir: string, reqid: number, mss: number) => `-A ${MSS_CHAIN} -p tcp -m tcp --tcp-flags SYN,RST SYN -m policy --dir ${dir} --pol ipsec --reqid ${reqid} -j TCPMSS --set-mss ${mss}`;
	t.deepEqual(mangle(), [`-N ${MSS_CHAIN}`, jump, rule('out', 1, 1360), rule('in', 1, 1360), rule('out', 4, 1200), rule('in', 4, 1200)], logs.join(''));
	t.deepEqual(mangle6(), [`-N ${MSS_CHAIN}`, jump, rule('out', 1, 1360), rule('in', 1, 1360), rule('out', 4, 1200), rule('in', 4, 1200)], 'IPv6 tunnels too');

	await ipt.apply(new Map([[1, 1300]]));
	t.deepEqual(mangle(), [`-N ${MSS_CHAIN}`, jump, rule('out', 1, 1300), rule('in', 1, 1300)], 'an edited clamp and a gone tunnel');

	// a restarted agent writes into the chain the last one left: still one jump
	await new IptablesMssClamp({ log, prefix: ['ip', 'netns', 'exec', ns] }).apply(new Map([[1, 1300]]));
	t.is(mangle().filter(l => l === jump).length, 1);

	// a killed agent's rules, and a next agent whose tunnels no longer clamp: emptied
	await new IptablesMssClamp({ log, prefix: ['ip', 'netns', 'exec', ns] }).apply(new Map());
	t.deepEqual(mangle(), [`-N ${MSS_CHAIN}`, jump], 'no tunnel clamps any more: the chain is empty');

	await ipt.remove();
	t.deepEqual(mangle(), []);
	t.deepEqual(mangle6(), []);
});
