// One client drives a dataplane host at a time. Two agents on one host (a stuck old agent and
// its replacement, or someone running `esplane agent` by hand on the node) would each
// reconcile the SAs, SPD and routes into the same tables and delete what the other put: an
// outage. So the host itself keeps a driver's seat: the first connection that makes a driving
// call (host.drive, which the agent makes right after attaching, or any call that changes the
// dataplane) holds it until that connection is gone; any other connection gets EBUSY naming
// the driver's pid for every driving call, and the calls that only read are served to all.
//
// Why the host and not an flock the agent holds on a file next to the socket: the host is
// where the tables are, so the rule holds for every client (a test tool, a hand-written
// script), not only for those that remember to take a lock; the kernel releases the seat as
// it would a lock — a killed process's sockets are closed with it, so the successor gets the
// seat at once — and there is no lock fd that a spawned child (the agent spawns the host!)
// could inherit and keep holding after the agent is dead; the pid comes from the kernel
// (SO_PEERCRED), not from a file the holder wrote.
import type { Socket } from 'node:net';
import type { Logger } from '../log/index.js';
import { loadLibc, SOL_SOCKET } from '../rtnl/libc.js';

export const EBUSY = 16;
const SO_PEERCRED = 17;
const POLLERR = 0x8;
const POLLHUP = 0x10;
const POLLRDHUP = 0x2000;

/** library functions and host calls any connection may make: they read, they change nothing
 * (capture/trace reads and `unresolved` consume what they return, so they are driving) */
export const READ_ONLY: ReadonlySet<string> = new Set([
	'abiVersion', 'dropName', 'dropCount', 'lastError', 'saStats', 'saReplay', 'portStats', 'lcoreStats',
	'dropStats', 'captureStatus', 'traceRemaining', 'host.hello', 'host.stashGet',
]);

/** the file descriptor under a net.Socket of a UNIX socket server (-1 if there is none) */
function fdOf(sock: Socket): number {
	const fd = (sock as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
	return typeof fd === 'number' ? fd : -1;
}

/** {connection} => the pid of the process at the other end as the kernel recorded it at
 * connect time; 0 when it is not in our pid namespace (a container beside the host's) */
export function peerPid(sock: Socket): number {
	const fd = fdOf(sock);
	if (fd < 0) return 0;
	const cred = Buffer.alloc(12); // struct ucred {pid, uid, gid}
	const len = Buffer.alloc(4);
	len.writeUInt32LE(cred.length, 0);
	if (loadLibc().getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, len) < 0) return 0;
	return cred.readInt32LE(0);
}

/** {connection} => whether its peer has closed it, even if this process has not read the EOF
 * yet: a successor may connect right after its predecessor died, and its claim must not
 * depend on which of the two events the host happens to handle first */
function hungUp(sock: Socket): boolean {
	if (sock.destroyed || sock.readableEnded) return true;
	const fd = fdOf(sock);
	if (fd < 0) return false;
	const pfd = Buffer.alloc(8); // struct pollfd {int fd; short events; short revents}
	pfd.writeInt32LE(fd, 0);
	pfd.writeInt16LE(POLLRDHUP, 4);
	if (Number(loadLibc().poll(pfd, 1, 0)) <= 0) return false;
	return (pfd.readUInt16LE(6) & (POLLRDHUP | POLLHUP | POLLERR)) !== 0;
}

interface Driver {
	sock: Socket;
	/** as the kernel says (SO_PEERCRED), else as the driver said in host.drive */
	pid: number;
	/** the pid is only what the driver said (it runs in another pid namespace) */
	said: boolean;
}

export class DriverSeat {
	#driver: Driver | undefined;

	constructor(private readonly socketPath: string, private readonly log: Logger) {}

	/** {connection, the pid it says it has (host.drive)} => undefined: it drives (now or
	 * already); otherwise why not, naming who does */
	claim(sock: Socket, saidPid?: number): string | undefined {
		const d = this.#driver;
		if (d?.sock === sock) return undefined;
		if (d && !hungUp(d.sock)) {
			const who = d.pid > 0 ? `pid ${d.pid}${d.said ? ' (in its own pid namespace)' : ''}` : 'a client whose pid is unknown';
			this.log.warn({ driver: d.pid, refused: peerPid(sock) || saidPid }, 'dataplane host: a second client tried to drive it; refused');
			return `the dataplane at ${this.socketPath} is driven by ${who}; stop that agent first (two agents would each delete the SAs and policies the other installs)`;
		}
		if (d) this.release(d.sock);
		const kernel = peerPid(sock);
		const pid = kernel > 0 ? kernel : saidPid ?? 0;
		this.#driver = { sock, pid, said: kernel <= 0 && pid > 0 };
		this.log.info({ pid }, 'dataplane host: driven by a new client');
		return undefined;
	}

	/** the driver's pid (0: unknown), undefined when nobody drives */
	get driver(): number | undefined {
		return this.#driver && !hungUp(this.#driver.sock) ? this.#driver.pid : undefined;
	}

	/** {connection} => if it was the driver, the seat is free (its connection ended) */
	release(sock: Socket): void {
		if (this.#driver?.sock !== sock) return;
		this.log.info({ pid: this.#driver.pid }, 'dataplane host: its driver went away');
		this.#driver = undefined;
	}
}
