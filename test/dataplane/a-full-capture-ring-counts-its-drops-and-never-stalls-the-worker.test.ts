// Nobody reads the capture: the worker's ring fills (ESP_DP_CAPTURE_RING records), every
// further matching packet is counted as not recorded, and forwarding goes on at full pace;
// once drained the ring takes records again.
import test from 'ava';
import { captureStatus, readCapture, startCapture, stopCapture } from '../../operator/dataplane/capture.js';
import { startSite } from './capture-helpers.js';
import { scratch } from './harness.js';

const RING = 1024; // ESP_DP_CAPTURE_RING, one worker
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

test('a capture nobody reads fills its ring, counts capture_dropped and the packets keep flowing', async t => {
	const { dir, remove } = scratch('capring');
	t.teardown(remove);
	const site = await startSite(dir);
	t.teardown(() => site.close());
	const lanTx = () => site.dp.portCounters().find(p => p.port === 1)!.txPackets;

	startCapture({ point: 'wan-in' });
	for (let i = 0; i < 200 && captureStatus().dropped < 1000n; i++) await sleep(50);
	const full = captureStatus();
	t.true(full.armed);
	t.is(full.captured, BigInt(RING), 'the ring holds exactly its slots');
	t.true(full.dropped >= 1000n, `dropped ${full.dropped}`);

	// the worker does not wait for the reader: packets are decrypted and sent while the ring is full
	const before = lanTx();
	await sleep(300);
	const during = captureStatus();
	t.true(lanTx() - before > 1000n, 'forwarding went on');
	t.true(during.dropped > full.dropped, 'and each captured packet beyond the ring is counted');
	t.is(during.captured, BigInt(RING));

	const records = readCapture(4096);
	t.is(records.length, RING);
	t.true(records.every(r => r.point === 'wan-in' && r.port === 0 && r.data.length === r.origLen));
	for (let i = 0; i < 100 && captureStatus().captured === BigInt(RING); i++) await sleep(20);
	t.true(captureStatus().captured > BigInt(RING), 'drained, the ring records again');
	stopCapture();
	t.false(captureStatus().armed);
	t.throws(() => startCapture({ point: 'nowhere' as 'wan-in' }), { message: /capture point: 'nowhere' is not one of wan-in, after-decrypt/ });
});
