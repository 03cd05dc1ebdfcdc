#!/bin/sh
# PID 1 of a User-Mode Linux guest booted on the host's root filesystem (hostfs).
# Prepares a small, private world (proc, sys, dev, tmpfs on /run and /tmp, the modules the
# tests need, IP forwarding), runs the test script, records its exit status, powers off.
# The kernel command line hands us ESPLANE_UML_DIR (a host directory: script, env, results).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
dir=$ESPLANE_UML_DIR
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null || true
mkdir -p /dev/pts /dev/shm /dev/net
mount -t devpts devpts /dev/pts 2>/dev/null || true
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
# Scratch space for sockets and per-daemon configs: a tmpfs (UNIX sockets do not work on
# hostfs) outside /run (charons get a private /run by bind mount, which would hide it).
mount -t tmpfs tmpfs /mnt
SCRATCH=/mnt; export SCRATCH
# A private /tmp, unless the checkout itself lives under /tmp (a CI clone may): hiding it
# would hide the code under test. Then temporary files go to the scratch tmpfs, which must
# be mounted first (a directory made before the mount would be hidden by it).
case "$ESPLANE_UML_CWD" in
	/tmp/*) mkdir -p /mnt/tmp; export TMPDIR=/mnt/tmp ;;
	*) mount -t tmpfs tmpfs /tmp ;;
esac
[ -c /dev/net/tun ] || mknod /dev/net/tun c 10 200
ver=$(uname -r)
# The guest's modprobe must read the UML module tree; one call loads them all.
modprobe -d "$dir/modroot" -a $(echo "$ESPLANE_UML_MODULES" | tr , " ") 2>"$dir/modprobe.err"
# Stop the kernel from spawning modprobe helpers for every unknown request (0.1-0.3 s each).
echo > /proc/sys/kernel/modprobe
echo 1 > /proc/sys/net/ipv4/ip_forward
echo 1 > /proc/sys/net/ipv6/conf/all/forwarding 2>/dev/null
ip link set lo up
hostname uml
cd "$ESPLANE_UML_CWD"
OUT="$dir/out"; export OUT
set -a; . "$dir/env"; set +a
sh "$dir/script.sh" > "$dir/log" 2>&1
echo $? > "$dir/exit"
sync
echo o > /proc/sysrq-trigger
sleep 10
