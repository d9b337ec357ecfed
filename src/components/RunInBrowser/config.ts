// Settings shared by the snapshot builder (scripts/v86/snapshot.ts) and the page's RunInBrowser:
// a snapshot only restores into a machine with the same memory and devices.
export const MEMORY_MIB = 256;
export const VGA_MEMORY_MIB = 2;
// The machine itself, the same for the snapshot builder, the page and scripts/v86/run-lab.ts.
export const MACHINE = {
  memory_size: MEMORY_MIB * 1024 * 1024,
  vga_memory_size: VGA_MEMORY_MIB * 1024 * 1024,
  autostart: true,
  disable_keyboard: true,
  disable_mouse: true,
  disable_speaker: true,
} as const;
// init_on_free=1: freed pages are zeroed, so the snapshot compresses well.
export const GUEST_CMDLINE = 'console=ttyS0 init_on_free=1 mitigations=off audit=0 nowatchdog tsc=reliable loglevel=4';
// The guest's root prompt (scripts/v86/guest-init.sh sets PS1='root@\h:\w# ').
export const PROMPT_RE = /root@cfs-browser:[^\r\n]*# $/;
// Where build.sh puts the artifacts (static/v86/ is served at /v86/).
export const V86_BASE = 'v86/';
