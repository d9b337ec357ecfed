#!/bin/busybox sh
# shellcheck shell=dash # busybox ash: checked as the closest POSIX shell shellcheck knows
# initramfs-init.sh: /init of the v86 guest's initramfs (busybox only). Debian's kernel has
# virtio and 9p as modules: load them (build.sh wrote their order, virtio_ring before virtio),
# mount v86's 9p share (tag host9p) as the root, and hand over to /sbin/cfs-init.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
while read -r m; do
  insmod "/modules/$m" 2>/dev/null || echo "initramfs: insmod $m failed (built in?)"
done </modules/order
if ! mount -t 9p -o trans=virtio,version=9p2000.L,cache=loose host9p /newroot; then
  echo "initramfs: cannot mount the 9p root (tag host9p)"
  exec sh
fi
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /sbin/cfs-init
