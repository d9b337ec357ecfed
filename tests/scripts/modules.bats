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
