// The handful of libc calls a netlink socket needs, through koffi. Loaded once, lazily, so
// importing the codec never loads a native library.
import koffi from 'koffi';

export interface Libc {
	socket(domain: number, type: number, protocol: number): number;
	bind(fd: number, addr: Buffer, len: number): number;
	connect(fd: number, addr: Buffer, len: number): number;
	getsockname(fd: number, addr: Buffer, len: Buffer): number;
	setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number;
	getsockopt(fd: number, level: number, name: number, value: Buffer, len: Buffer): number;
	send(fd: number, buf: Buffer, len: number, flags: number): number;
	recv(fd: number, buf: Buffer, len: number, flags: number): number;
	/** blocking: called through `.async` on koffi's worker thread, or with timeout 0 */
	poll: koffi.KoffiFunction;
	eventfd(initval: number, flags: number): number;
	write(fd: number, buf: Buffer, len: number): number;
	read(fd: number, buf: Buffer, len: number): number;
	close(fd: number): number;
	setns(fd: number, nstype: number): number;
	errno(): number;
}

let libc: Libc | undefined;

export function loadLibc(): Libc {
	if (libc) return libc;
	const lib = koffi.load('libc.so.6');
	libc = {
		socket: lib.func('int socket(int domain, int type, int protocol)'),
		bind: lib.func('int bind(int fd, const void *addr, uint32_t len)'),
		connect: lib.func('int connect(int fd, const void *addr, uint32_t len)'),
		getsockname: lib.func('int getsockname(int fd, void *addr, void *len)'),
		setsockopt: lib.func('int setsockopt(int fd, int level, int name, const void *value, uint32_t len)'),
		getsockopt: lib.func('int getsockopt(int fd, int level, int name, void *value, void *len)'),
		send: lib.func('long send(int fd, const void *buf, size_t len, int flags)'),
		recv: lib.func('long recv(int fd, void *buf, size_t len, int flags)'),
		poll: lib.func('int poll(void *fds, unsigned long nfds, int timeout)'),
		eventfd: lib.func('int eventfd(unsigned int initval, int flags)'),
		write: lib.func('long write(int fd, const void *buf, size_t len)'),
		read: lib.func('long read(int fd, void *buf, size_t len)'),
		close: lib.func('int close(int fd)'),
		setns: lib.func('int setns(int fd, int nstype)'),
		errno: () => koffi.errno(),
	};
	return libc;
}

// <sys/socket.h>, <linux/netlink.h>, <poll.h>, <sys/eventfd.h>, <errno.h> on Linux
export const AF_NETLINK = 16;
export const SOCK_RAW = 3;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const SOL_SOCKET = 1;
export const SO_RCVBUF = 8;
export const SO_RCVBUFFORCE = 33;
export const SOL_NETLINK = 270;
export const NETLINK_ADD_MEMBERSHIP = 1;
export const MSG_DONTWAIT = 0x40;
export const MSG_TRUNC = 0x20;
export const POLLIN = 0x1;
export const EFD_NONBLOCK = 0o4000;
export const EFD_CLOEXEC = 0o2000000;
export const CLONE_NEWNET = 0x40000000;
export const EINTR = 4;
export const EAGAIN = 11;
export const ENOBUFS = 105;
