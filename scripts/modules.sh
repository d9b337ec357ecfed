# shellcheck shell=bash
# modules.sh: which kernel modules an initramfs must load, in order, and the initramfs itself.
# Sourced by the two guests' builders, scripts/vm/build-image.sh (the CI VM) and scripts/v86/build.sh (the browser machine).

# Print the module files (relative to lib/modules/<kver>) to load for "$@", dependencies first.
modules::closure() {
  local moddir=$1
  shift
  awk -v want="$*" '
    function norm(s) { sub(/.*\//, "", s); sub(/\.ko.*$/, "", s); gsub(/-/, "_", s); return s }
    function visit(m,   n, i, d) {
      if (m in done) return
      done[m] = 1
      n = split(deps[m], d, " ")
      for (i = 1; i <= n; i++) visit(norm(d[i]))
      if (m in path) print path[m]
    }
    {
      f = $1; sub(/:$/, "", f)
      m = norm(f); path[m] = f
      $1 = ""; deps[m] = $0
    }
    END {
      n = split(want, w, " ")
      for (i = 1; i <= n; i++) {
        m = norm(w[i])
        if (!(m in path)) { print "missing module " w[i] > "/dev/stderr"; continue }
        visit(m)
      }
    }' "$moddir/modules.dep"
}

# Build a gzip-compressed initramfs OUT from the root filesystem ROOT (its busybox and its modules
# for kernel KVER): busybox, INIT as /init, and MODULE... with their dependencies in
# /modules/order, the order /init loads them in. LEVEL: gzip's level (1 fast, 9 small).
modules::initramfs() {
  local root=$1 kver=$2 init=$3 out=$4 level=$5 ird m
  shift 5
  ird=$(mktemp -d "${out%/*}/initrd.XXXXXX")
  mkdir -p "$ird"/{bin,dev,proc,sys,newroot,modules}
  cp "$root/bin/busybox" "$ird/bin/busybox"
  cp "$init" "$ird/init"
  chmod 755 "$ird/init"
  : >"$ird/modules/order"
  while read -r m; do
    cp "$root/lib/modules/$kver/$m" "$ird/modules/"
    basename "$m" >>"$ird/modules/order"
  done < <(modules::closure "$root/lib/modules/$kver" "$@")
  (cd "$ird" && find . | LC_ALL=C sort | "$ird/bin/busybox" cpio -o -H newc 2>/dev/null) | gzip "-$level" >"$out"
  rm -rf "$ird"
}
