import test from 'ava';
import { createLogger } from '../../operator/log/logger.js';
import type { RtnlEvent } from '../../operator/rtnl/events.js';
import { Rtnl } from '../../operator/rtnl/rtnl.js';
import { Netns } from './netns.js';

const RTNLGRP_LINK = 1; // group numbers (NETLINK_ADD_MEMBERSHIP), not the RTMGRP_* bit masks

test('a socket bound to no group hears nothing until it joins one by number', async (t) => {
	const ns = new Netns('g');
	const rtnl = new Rtnl({ netns: ns.name, subscribe: false, logger: createLogger('test', { level: 'error' }) });
	const names: string[] = [];
	rtnl.onEvent((e: RtnlEvent) => {
		if (e.kind === 'link' && e.op === 'new' && e.link.name) names.push(e.link.name);
	});
	const wait = async (name: string): Promise<boolean> => {
		const deadline = Date.now() + 1000;
		while (!names.includes(name) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
		return names.includes(name);
	};
	try {
		ns.batch(['link add espg0 type veth peer name espg1']);
		t.false(await wait('espg0'), 'not subscribed: no notification');
		rtnl.socket.joinGroup(RTNLGRP_LINK);
		ns.batch(['link add espg2 type veth peer name espg3']);
		t.true(await wait('espg2'), 'joined: RTM_NEWLINK received');
		t.throws(() => rtnl.socket.joinGroup(100000), { message: /NETLINK_ADD_MEMBERSHIP/ });
	} finally {
		rtnl.close();
		ns.delete();
	}
});
