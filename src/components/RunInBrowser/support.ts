import {MEMORY_MIB} from './config';

/** Why this browser cannot run the guest, or '' when it can. Checked before anything is loaded. */
type Env = {WebAssembly?: unknown; navigator?: object};

export function unsupportedReason(env: Env = globalThis as Env): string {
  if (typeof env.WebAssembly !== 'object' || env.WebAssembly === null) {
    return 'This browser has no WebAssembly (or it is turned off), which the emulator needs. Every lab runs the same way on a Linux machine: see the commands above.';
  }
  const gib = (env.navigator as {deviceMemory?: number} | undefined)?.deviceMemory;
  if (typeof gib === 'number' && gib < 2) {
    return `This device reports ${gib} GB of memory; the emulated machine alone needs ${MEMORY_MIB} MB and the page more. Try a desktop browser, or run the lab on a Linux machine.`;
  }
  return '';
}
