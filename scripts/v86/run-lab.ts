// run-lab.ts: restore the built snapshot in node (no browser) and run labs in the guest, one fresh
// machine each, comparing stdout with expected-output.txt. A quick check while working on a lab;
// the verification that counts is the browser test (scripts/test-all.sh browser-labs).
//   tsx scripts/v86/run-lab.ts silos/pid-ns [topic/lab ...]
import fs from 'node:fs';
import path from 'node:path';
import {MACHINE, PROMPT_RE} from '../../src/components/RunInBrowser/config';

const root = path.resolve(__dirname, '../..');
const dir = path.join(root, 'static', 'v86');

type Emulator = {
  add_listener(e: string, fn: (x: number) => void): void;
  serial0_send(s: string): void;
  destroy(): Promise<void>;
};

async function runOne(lab: string): Promise<boolean> {
  const {V86} = (await import('v86')) as unknown as {V86: new (o: object) => Emulator};
  const t0 = Date.now();
  const emulator = new V86({
    wasm_path: path.join(dir, 'v86.wasm'),
    bios: {url: path.join(dir, 'bios.bin')},
    initial_state: {url: path.join(dir, 'state.bin.zst')},
    filesystem: {baseurl: `${path.join(dir, 'fs')}/`},
    ...MACHINE,
  });
  let text = '';
  emulator.add_listener('serial0-output-byte', (b) => {
    text += String.fromCharCode(b);
  });
  const until = (test: () => boolean, seconds: number) =>
    new Promise<boolean>((resolve) => {
      const end = Date.now() + seconds * 1000;
      const poll = setInterval(() => {
        if (test() || Date.now() > end) {
          clearInterval(poll);
          resolve(test());
        }
      }, 50);
    });
  const nudge = setInterval(() => emulator.serial0_send('\n'), 500);
  await until(() => PROMPT_RE.test(text), 60);
  clearInterval(nudge);
  const promptS = (Date.now() - t0) / 1000;
  const start = Date.now();
  emulator.serial0_send(`echo CFS""BEGIN; /cfs/labs/${lab}/run.sh 2>/tmp/cfs-stderr; echo CFS""END rc=$?; cat /tmp/cfs-stderr\n`);
  await until(() => /CFSEND rc=\d+/.test(text), 300);
  await until(() => PROMPT_RE.test(text.slice(text.indexOf('CFSEND'))), 10);
  const seconds = (Date.now() - start) / 1000;
  const m = /CFSBEGIN\r?\n([\s\S]*?)CFSEND rc=(\d+)/.exec(text);
  const expected = fs.readFileSync(path.join(root, 'labs', lab, 'expected-output.txt'), 'utf8');
  const stdout = m ? m[1]!.replace(/\r/g, '') : '';
  const ok = m !== null && m[2] === '0' && stdout === expected;
  console.log(`${ok ? 'PASS' : 'FAIL'} ${lab} prompt ${promptS.toFixed(1)} s, run.sh ${seconds.toFixed(1)} s, rc ${m?.[2] ?? '?'}`);
  if (!ok) {
    console.log(`--- console tail:\n${text.slice(-4000).replace(/\r/g, '')}\n--- expected:\n${expected}`);
  }
  await emulator.destroy();
  return ok;
}

async function main(): Promise<void> {
  let fails = 0;
  for (const lab of process.argv.slice(2)) if (!(await runOne(lab))) fails++;
  process.exit(fails ? 1 : 0);
}

void main();
