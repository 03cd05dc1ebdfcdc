import test from 'ava';
import { ABI_VERSION, abiVersion } from '../../operator/dataplane/abi.js';
import { run } from '../../operator/cli/commands.js';

test('the agent opens the built dataplane library and reads its ABI version', t => {
	t.is(abiVersion(), ABI_VERSION);
});

test('an unknown subcommand is refused with exit code 2', async t => {
	t.is(await run(['no-such-command']), 2);
});
