// The captured kernel messages (test/xfrm/fixtures/*.json), decoded, by label.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeXfrm, type XfrmMessage } from '../../operator/xfrm/codec/message.js';
import { splitMessages } from '../../operator/xfrm/codec/netlink.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface Fixture {
	label: string;
	bytes: Buffer;
}

export function loadFixtures(file = 'uml-6.1-messages.json'): Fixture[] {
	const raw = JSON.parse(readFileSync(join(here, 'fixtures', file), 'utf8')) as Array<{ label: string; hex: string }>;
	return raw.map(f => ({ label: f.label, bytes: Buffer.from(f.hex, 'hex') }));
}

export function decodeOne(bytes: Buffer): XfrmMessage {
	const [m] = splitMessages(bytes);
	if (!m) throw new Error('no message');
	return decodeXfrm(m);
}

/** The first fixture with this label, decoded. */
export function fixture(label: string): XfrmMessage {
	const f = loadFixtures().find(x => x.label === label);
	if (!f) throw new Error(`no fixture ${label}`);
	return decodeOne(f.bytes);
}

export function fixtures(label: string): XfrmMessage[] {
	return loadFixtures().filter(x => x.label === label).map(f => decodeOne(f.bytes));
}
