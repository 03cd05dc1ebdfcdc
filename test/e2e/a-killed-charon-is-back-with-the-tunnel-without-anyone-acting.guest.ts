// Topology (operator/demo/two-sites.sh):
//   host-a ─ gw-a [charon + esplane agent] ══ wan ══ gw-b [charon + Linux ESP] ─ host-b
// gw-a's charon is killed (SIGKILL) and started again, empty. The agent must notice, load
// the tunnel again and the tunnel must come back, with nobody calling initiate by hand.
import { scenario, sleep } from './guest.js';

await scenario('charon-restart', {}, async (sites, facts) => {
	const [before] = await sites.waitEstablished(1);
	facts['spiBefore'] = before!.spiOut;
	await sites.gwa!.kill();
	await sleep(500);
	const t0 = Date.now();
	await sites.gwa!.restart();
	const [after] = await sites.waitEstablished(1, 60_000);
	facts['secondsToUp'] = (Date.now() - t0) / 1000;
	facts['spiAfter'] = after!.spiOut;
	facts['ping'] = /, 0% packet loss/.test(sites.exec('ha', ['ping', '-c', '3', '-i', '0.2', '-W', '2', '10.2.0.2']));
});
