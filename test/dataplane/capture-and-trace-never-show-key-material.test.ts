// What capture and trace hand out — the records of every capture point, the JSON the
// control socket answers, the dataplane's log — never carries the SA's key, in hex or raw.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { Methods, type CaptureReadResult } from '../../operator/agent/control-api.js';
import { callAgent } from '../../operator/cli/control-client.js';
import { capturePoints } from '../../operator/dataplane/capture.js';
import { KEY, startSite } from './capture-helpers.js';
import { scratch } from './harness.js';

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

test('capture records, trace answers and the log contain no key bytes', async t => {
	const { dir, remove } = scratch('capkeys');
	t.teardown(remove);
	const site = await startSite(dir);
	t.teardown(() => site.close());
	const key = Buffer.from(KEY.slice(2), 'hex');
	const aesKey = key.subarray(0, 16);
	const answers: string[] = [];
	const bytes: Buffer[] = [];
	for (const point of capturePoints) {
		await callAgent(Methods.captureStart, { point, count: 16 }, site.socket);
		await sleep(point === 'wan-in' || point === 'after-decrypt' || point === 'lan-out' ? 300 : 50);
		const r = await callAgent(Methods.captureRead, { max: 64 }, site.socket) as CaptureReadResult;
		await callAgent(Methods.captureStop, {}, site.socket);
		answers.push(JSON.stringify(r));
		bytes.push(...r.records.map(x => Buffer.from(x.data, 'base64')));
	}
	t.true(bytes.length >= 48, 'wan-in, after-decrypt and lan-out saw traffic');
	answers.push(JSON.stringify(await callAgent(Methods.trace, { n: 24 }, site.socket, 10_000)));
	const text = answers.join('\n') + readFileSync(join(dir, 'dp.log'), 'utf8');
	t.false(text.toLowerCase().includes(KEY.slice(2, 34).toLowerCase()), 'no key in hex');
	t.false(text.includes(aesKey.toString('base64')), 'no key in base64');
	for (const b of bytes) t.is(b.indexOf(aesKey), -1, 'no raw key in any captured packet');
});
