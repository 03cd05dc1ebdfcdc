import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupUml, runInUml } from '../helpers/uml.js';

test('a UML guest boots on the host filesystem, accepts ESP SAs and hands results back through $OUT', async t => {
	const r = await runInUml(`
		set -e
		ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x100 mode tunnel \\
			aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128
		ip xfrm state add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x200 mode tunnel \\
			enc 'cbc(aes)' 0x000102030405060708090a0b0c0d0e0f auth-trunc 'hmac(sha256)' 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 128
		ip xfrm state add src 2001:db8::1 dst 2001:db8::2 proto esp spi 0x300 mode tunnel \\
			aead 'rfc7539esp(chacha20,poly1305)' 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f00010203 128
		ip xfrm state count > "$OUT/count"
		echo "$GREETING" > "$OUT/greeting"
	`, { env: { GREETING: 'hello from the host' }, timeoutMs: 60_000 });
	t.is(r.exitCode, 0, `${r.failure ?? ''}\n${r.log}`);
	t.regex(readFileSync(join(r.outDir, 'count'), 'utf8'), /3/);
	t.is(readFileSync(join(r.outDir, 'greeting'), 'utf8').trim(), 'hello from the host');
	cleanupUml(r);
});

test('a script that fails inside the guest reports its exit status', async t => {
	const r = await runInUml('echo about to fail; exit 7', { timeoutMs: 60_000 });
	t.is(r.exitCode, 7);
	t.regex(r.log, /about to fail/);
	cleanupUml(r);
});
