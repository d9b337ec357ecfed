#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by bats' `run --separate-stderr`
# scripts/modules.sh: the order in which an initramfs loads kernel modules, from a modules.dep
# written here (the shape depmod writes: "path: dependency paths").

load ../helpers

setup() {
  # shellcheck source=../../scripts/modules.sh
  source "$BATS_TEST_DIRNAME/../../scripts/modules.sh"
  mkdir -p "$BATS_TEST_TMPDIR/mods"
  cat >"$BATS_TEST_TMPDIR/mods/modules.dep" <<'DEP'
kernel/fs/9p/9p.ko.xz: kernel/net/9p/9pnet.ko.xz kernel/fs/netfs/netfs.ko.xz kernel/fs/fscache/fscache.ko.xz
kernel/net/9p/9pnet_virtio.ko.xz: kernel/net/9p/9pnet.ko.xz kernel/drivers/virtio/virtio_ring.ko.xz kernel/drivers/virtio/virtio.ko.xz
kernel/net/9p/9pnet.ko.xz:
kernel/fs/netfs/netfs.ko.xz: kernel/fs/fscache/fscache.ko.xz
kernel/fs/fscache/fscache.ko.xz:
kernel/drivers/virtio/virtio_pci.ko.xz: kernel/drivers/virtio/virtio_pci_legacy_dev.ko.xz kernel/drivers/virtio/virtio_ring.ko.xz kernel/drivers/virtio/virtio.ko.xz
kernel/drivers/virtio/virtio_pci_legacy_dev.ko.xz:
kernel/drivers/virtio/virtio.ko.xz: kernel/drivers/virtio/virtio_ring.ko.xz
kernel/drivers/virtio/virtio_ring.ko.xz:
DEP
}

@test "modules::closure lists each module after its dependencies, once each" {
  run --separate-stderr modules::closure "$BATS_TEST_TMPDIR/mods" virtio_pci 9pnet_virtio 9p
  assert_success
  assert_output "kernel/drivers/virtio/virtio_pci_legacy_dev.ko.xz
kernel/drivers/virtio/virtio_ring.ko.xz
kernel/drivers/virtio/virtio.ko.xz
kernel/drivers/virtio/virtio_pci.ko.xz
kernel/net/9p/9pnet.ko.xz
kernel/net/9p/9pnet_virtio.ko.xz
kernel/fs/fscache/fscache.ko.xz
kernel/fs/netfs/netfs.ko.xz
kernel/fs/9p/9p.ko.xz"
}

@test "modules::closure names a module modules.dep does not have, and lists the others" {
  run --separate-stderr modules::closure "$BATS_TEST_TMPDIR/mods" virtio_ring no_such_module
  assert_output "kernel/drivers/virtio/virtio_ring.ko.xz"
  [[ $stderr == *"missing module no_such_module"* ]]
}

@test "modules::initramfs packs busybox, the init and the modules in load order" {
  local root=$BATS_TEST_TMPDIR/root k=6.1.0-test
  mkdir -p "$root/bin" "$root/lib/modules/$k"
  cp "$(command -v busybox)" "$root/bin/busybox"
  cp "$BATS_TEST_TMPDIR/mods/modules.dep" "$root/lib/modules/$k/"
  while read -r m; do
    mkdir -p "$root/lib/modules/$k/${m%/*}"
    printf 'module %s\n' "${m##*/}" >"$root/lib/modules/$k/$m"
  done < <(sed 's/:.*//' "$root/lib/modules/$k/modules.dep")
  printf '#!/bin/busybox sh\necho init\n' >"$BATS_TEST_TMPDIR/init.sh"
  run modules::initramfs "$root" "$k" "$BATS_TEST_TMPDIR/init.sh" "$BATS_TEST_TMPDIR/initrd.img" 1 virtio 9pnet
  assert_success
  mkdir "$BATS_TEST_TMPDIR/x"
  (cd "$BATS_TEST_TMPDIR/x" && gzip -dc ../initrd.img | busybox cpio -i 2>/dev/null)
  [[ -x $BATS_TEST_TMPDIR/x/init && -x $BATS_TEST_TMPDIR/x/bin/busybox ]]
  run cat "$BATS_TEST_TMPDIR/x/modules/order"
  assert_output "virtio_ring.ko.xz
virtio.ko.xz
9pnet.ko.xz"
  run cat "$BATS_TEST_TMPDIR/x/modules/virtio.ko.xz"
  assert_output "module virtio.ko.xz"
  # Its work folder is gone: only the image is left beside it.
  run find "$BATS_TEST_TMPDIR" -maxdepth 1 -name 'initrd.*'
  assert_output "$BATS_TEST_TMPDIR/initrd.img"
}
