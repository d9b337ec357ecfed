#!/usr/bin/env bash
# Whiteouts: deleting a file that comes from a lower layer cannot touch the lower, so overlayfs
# records the deletion in upper as a character device 0/0; removing a lower folder and making it
# again marks the new folder opaque (xattr trusted.overlay.opaque=y). The same upper folder,
# written as an OCI layer tar, carries .wh.NAME and .wh..wh..opq entries instead.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/overlay.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/overlay.sh"

# The names in folder $1, sorted, on one line.
names() { find "$1" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | paste -sd ' '; }

main() {
  common::require_root
  common::require_cmd mount mount
  common::require_cmd getfattr attr
  common::require_cmd tar tar
  common::require_kernel "overlayfs" /sys/module/overlay

  local dir
  common::tmpdir dir overlayfs-whiteouts
  mkdir "$dir/fs"
  overlay::tmpfs "$dir/fs"
  cd "$dir/fs"
  mkdir -p lower/etc lower/data/cache upper work merged
  echo "welcome" >lower/etc/motd
  echo "127.0.0.1 localhost" >lower/etc/hosts
  for f in a b c; do echo "$f" >"lower/data/cache/$f"; done
  echo "keep" >lower/data/config

  overlay::mount merged upper work lower

  log::info "rm merged/etc/motd"
  rm merged/etc/motd
  echo "merged/etc/motd exists after rm: $(common::yes_no test -e merged/etc/motd)"
  echo "lower/etc/motd exists after rm: $(common::yes_no test -e lower/etc/motd)"
  echo "upper/etc/motd is a: $(stat -c %F upper/etc/motd)"
  echo "its device number (major:minor): $(stat -c '%t:%T' upper/etc/motd)"
  echo "merged/etc lists: $(names merged/etc)"

  log::info "rm -r merged/data; mkdir merged/data; echo new > merged/data/config"
  rm -r merged/data
  echo "after rm -r, upper/data is a: $(stat -c %F upper/data)"
  mkdir merged/data
  echo "new" >merged/data/config
  echo "after mkdir, upper/data is a: $(stat -c %F upper/data)"
  echo "trusted.overlay.opaque of upper/data: $(getfattr --absolute-names --only-values -n trusted.overlay.opaque upper/data 2>/dev/null || echo none)"
  echo "merged/data lists: $(names merged/data)"
  echo "lower/data still holds files: $(find lower/data -type f | wc -l)"
  echo "trusted.overlay.opaque of upper/etc (merged, not opaque): $(getfattr --absolute-names --only-values -n trusted.overlay.opaque upper/etc 2>/dev/null || echo none)"

  echo "whiteouts in upper: $(overlay::whiteouts upper | paste -sd ' ')"
  echo "opaque folders in upper: $(overlay::opaque_dirs upper | paste -sd ' ')"

  log::info "writing upper as an OCI layer tar"
  overlay::to_oci_tar upper "$dir/layer.tar"
  echo "whiteout entries in the OCI layer tar: $(tar -tf "$dir/layer.tar" | grep -F '.wh.' | paste -sd ' ')"
  echo "character devices in the OCI layer tar: $(tar -tvf "$dir/layer.tar" | grep -c '^c' || true)"
  echo "size of ./etc/.wh.motd in the tar: $(tar -tvf "$dir/layer.tar" ./etc/.wh.motd | awk '{ print $3 }')"
}
main "$@"
