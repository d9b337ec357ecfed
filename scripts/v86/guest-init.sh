#!/bin/bash
# guest-init.sh: PID 1 of the v86 guest (installed as /sbin/cfs-init; the initramfs hands over to
# it with the 9p root mounted and /dev moved). Mounts what the labs expect (proc, sysfs, cgroup2,
# devpts, tmpfs /tmp and /run), and keeps a root login shell on the serial console, whose prompt
# (root@cfs-browser:DIR#) the snapshot builder and the page wait for.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mkdir -p /dev/pts /dev/shm
# What udev or systemd would make: bash's process substitution needs /dev/fd.
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /run/lock /run/netns
mount --make-rshared /
hostname cfs-browser
# Kernel messages (an OOM kill report, …) would interleave with the labs' output on this console.
dmesg -n 1
ip link set lo up 2>/dev/null
# Controllers for the labs' cgroups (the cgroups chapter enables its own too).
echo '+memory +pids' >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
cat >/run/cfs-bashrc <<'RC'
export PS1='root@\h:\w# ' TERM=xterm-256color LANG=C.UTF-8 HOME=/root
stty cols 100 rows 30 2>/dev/null
cd /cfs
RC
while :; do
  setsid -c -w bash --rcfile /run/cfs-bashrc -i </dev/ttyS0 >/dev/ttyS0 2>&1
done
