#!/bin/busybox sh
# shellcheck shell=dash # busybox ash: checked as the closest POSIX shell shellcheck knows
# initramfs-init.sh: /init of the CI guest's initramfs (busybox only). Debian's kernel has
# virtio_blk, ext4 and 9p as modules: load them (build-image.sh wrote their order, dependencies
# first), mount the root disk and the repository share, and hand over to a copy of
# scripts/vm/guest-init.sh.
/bin/busybox --install -s /bin
export PATH=/bin

fail() {
  echo "initramfs: $*"
  echo "CFS-VM-EXIT=125"
  echo o >/proc/sysrq-trigger
  sleep 30
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

while read -r m; do
  insmod "/modules/$m" 2>/dev/null || echo "initramfs: insmod $m failed (built in?)"
done </modules/order

tries=100
while [ ! -b /dev/vda ] && [ $tries -gt 0 ]; do
  sleep 0.1
  tries=$((tries - 1))
done
[ -b /dev/vda ] || fail "no /dev/vda (virtio_blk did not find the root disk)"
mount -t ext4 /dev/vda /newroot || fail "cannot mount /dev/vda"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,ro repo /newroot/mnt/host \
  || fail "cannot mount the 9p share 'repo'"
# A copy on the (throwaway) root disk: editing the checkout cannot change a running init.
cp /newroot/mnt/host/scripts/vm/guest-init.sh /newroot/sbin/vm-guest-init \
  || fail "no scripts/vm/guest-init.sh in the share"
chmod 755 /newroot/sbin/vm-guest-init

umount /proc /sys
umount /dev
exec switch_root /newroot /sbin/vm-guest-init
