// snapshot.ts: boot the v86 guest headlessly (v86 runs in node too), wait for the root prompt on
// the serial console, drop the guest's caches, and save the machine's state: the page restores it
// instead of booting (a prompt in about 2 s instead of about 25 s).
//   tsx scripts/v86/snapshot.ts --dir DIR --out FILE
// DIR holds what build.sh staged: v86.wasm, bios.bin, vmlinuz, initrd.img, fs.json, fs/.
// The snapshot is tied to this v86 build, the memory size and the devices: RunInBrowser must pass
// the same MEMORY_MIB (src/components/RunInBrowser/config.ts).
import fs from 'node:fs';
import path from 'node:path';
import {GUEST_CMDLINE, MACHINE, PROMPT_RE} from '../../src/components/RunInBrowser/config';

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (!v) throw new Error(`usage: snapshot.ts --dir DIR --out FILE (missing --${name})`);
  return v;
}

async function main(): Promise<void> {
  const dir = path.resolve(arg('dir'));
  const out = path.resolve(arg('out'));
  const {V86} = await import('v86');
  const t0 = Date.now();
  const emulator = new V86({
    wasm_path: path.join(dir, 'v86.wasm'),
    bios: {url: path.join(dir, 'bios.bin')},
    bzimage: {url: path.join(dir, 'vmlinuz')},
    initrd: {url: path.join(dir, 'initrd.img')},
    cmdline: GUEST_CMDLINE,
    filesystem: {basefs: path.join(dir, 'fs.json'), baseurl: `${path.join(dir, 'fs')}/`},
    ...MACHINE,
  } as ConstructorParameters<typeof V86>[0]);

  let text = '';
  const waitFor = (re: RegExp, seconds: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      const start = text.length;
      const timer = setTimeout(() => reject(new Error(`timed out after ${seconds} s waiting for ${what}; console tail:\n${text.slice(-2000)}`)), seconds * 1000);
      const check = () => {
        if (re.test(text.slice(start))) {
          clearTimeout(timer);
          clearInterval(poll);
          resolve();
        }
      };
      const poll = setInterval(check, 100);
    });
  emulator.add_listener('serial0-output-byte', (byte: number) => {
    const c = String.fromCharCode(byte);
    text += c;
    process.stderr.write(c);
  });

  await waitFor(PROMPT_RE, 600, 'the first root prompt');
  const booted = (Date.now() - t0) / 1000;
  // Caches out, so the snapshot is mostly zero pages (init_on_free=1 zeroes what is freed).
  emulator.serial0_send('sync; echo 3 >/proc/sys/vm/drop_caches; history -c\n');
  await waitFor(PROMPT_RE, 120, 'the prompt after dropping caches');
  await new Promise((r) => setTimeout(r, 1000));
  const state = await emulator.save_state();
  fs.writeFileSync(out, new Uint8Array(state));
  console.error(`\n[snapshot] booted to a prompt in ${booted.toFixed(1)} s; state ${state.byteLength} bytes`);
  emulator.destroy();
  process.exit(0);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
