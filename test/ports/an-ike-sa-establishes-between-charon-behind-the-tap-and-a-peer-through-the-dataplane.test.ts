// charon on the gateway has its address only on the exception TAP; the dataplane owns the
// wire (af_packet on a veth the kernel ignores). A peer charon in another namespace brings up
// an IKE SA with it: IKE_SA_INIT and IKE_AUTH (UDP 500, then 4500 after MOBIKE's switch) go
// wire -> dataplane -> TAP -> charon and back. The host kernel has no ESP, so the CHILD_SA
// cannot be installed (TESTBED); the IKE SA is what this shows.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { startCharon } from '../helpers/charon.js';
import { scratch } from '../dataplane/harness.js';
import { hasLink, makeWire, startRunner, waitFor } from './wire.js';

const TAP = 'excwanb';

const swanctl = (local: string, remote: string, me: string, them: string) => `
connections {
   exc {
      version = 2
      local_addrs = ${local}
      remote_addrs = ${remote}
      proposals = aes128-sha256-x25519
      local { auth = psk
         id = ${me} }
      remote { auth = psk
         id = ${them} }
      children { net {
         local_ts = ${me === 'gw' ? '10.1.0.0/24' : '10.2.0.0/24'}
         remote_ts = ${me === 'gw' ? '10.2.0.0/24' : '10.1.0.0/24'}
         esp_proposals = aes128gcm16 } }
   }
}
secrets { ike-exc { id-a = gw
   id-b = peer
   secret = exc-test-psk-not-a-secret } }
`;

const sw = (vici: string, args: string[], timeout = 60_000) =>
	execFileSync('swanctl', [...args, '--uri', `unix://${vici}`], { encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] });

test('an IKE SA between charon behind the TAP and a peer charon establishes through the dataplane', async t => {
	const wire = makeWire('b');
	const { dir, remove } = scratch('exc-ike');
	t.teardown(() => { wire.remove(); remove(); });
	const { gw, peer } = wire;
	const dp = startRunner(gw, dir, { ports: [{ name: 'wan', port: 0, role: 'wan', addresses: ['192.0.2.1/24'], exception: TAP }] },
		[`net_af_packet0,iface=${wire.gwDev}`]);
	let stopped = false;
	t.teardown(async () => { if (!stopped) await dp.stop().catch(() => undefined); });
	await waitFor(`the TAP ${TAP}`, () => hasLink(gw, TAP) || dp.child.exitCode !== null, 60_000);
	t.true(hasLink(gw, TAP), dp.output());
	gw.ip(`addr add 192.0.2.1/24 dev ${TAP}`);
	gw.ip(`link set ${TAP} up`);
	peer.ip(`addr add 192.0.2.2/24 dev ${wire.peerDev}`);

	const a = await startCharon({ ns: gw.name, dir: join(dir, 'gw') });
	t.teardown(() => a.stop());
	const b = await startCharon({ ns: peer.name, dir: join(dir, 'peer') });
	t.teardown(() => b.stop());
	writeFileSync(join(dir, 'gw.conf'), swanctl('192.0.2.1', '192.0.2.2', 'gw', 'peer'));
	writeFileSync(join(dir, 'peer.conf'), swanctl('192.0.2.2', '192.0.2.1', 'peer', 'gw'));
	sw(a.vici, ['--load-all', '--noprompt', '--file', join(dir, 'gw.conf')]);
	sw(b.vici, ['--load-all', '--noprompt', '--file', join(dir, 'peer.conf')]);

	const started = Date.now();
	let out = '';
	try {
		out = sw(b.vici, ['--initiate', '--child', 'net', '--timeout', '30']);
	} catch (e) {
		out = String((e as { stdout?: string }).stdout ?? e); // the CHILD_SA fails on the host kernel
	}
	const established = /IKE_SA exc\[\d+\] established/.exec(out);
	t.log(`IKE_SA_INIT + IKE_AUTH through the dataplane: ${Date.now() - started} ms (swanctl --initiate, CHILD_SA install failure included)`);
	t.truthy(established, `${out}\n--- gw charon\n${readFileSync(a.logFile, 'utf8').slice(-3000)}\n--- dataplane\n${dp.output().slice(-2000)}`);
	const gwSas = sw(a.vici, ['--list-sas', '--ike', 'exc']);
	t.regex(gwSas, /exc: #\d+, ESTABLISHED, IKEv2/, gwSas);

	stopped = true;
	const stats = await dp.stop();
	const wan = stats.ports.find(p => p['name'] === 'wan');
	t.true(Number(wan?.['exc_to_kernel']) >= 2 && Number(wan?.['exc_from_kernel']) >= 2, JSON.stringify(wan));
});
