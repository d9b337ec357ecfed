// The part of RunInBrowser that is loaded only after the click (its own chunk): xterm.js, and
// v86 itself fetched at run time from /v86/ (copied there by scripts/v86/build.sh; webpack never
// sees it). xterm.js's stylesheet comes from /v86/ too: Docusaurus would merge an imported one
// into every page's CSS. The guest's serial console is the terminal.
import {Terminal} from '@xterm/xterm';
import {MACHINE, PROMPT_RE} from './config';

export {forgetOffline, keepForOffline} from './offline';

export type Session = {reset: () => Promise<void>};

type Emulator = {
  add_listener(event: 'serial0-output-byte', fn: (byte: number) => void): void;
  serial0_send(data: string): void;
  restore_state(state: ArrayBuffer): Promise<void>;
  run(): void;
  stop(): Promise<void>;
};

/** What the browser test (tests/browser/run-in-browser.e2e.ts) and a curious reader can use. */
export type SessionProbe = {
  /** Everything the guest wrote to its console since the last (re)start. */
  text: () => string;
  /** Type into the guest's console. */
  send: (s: string) => void;
  /** performance.now() when the first prompt appeared. */
  promptAt: number;
  ready: boolean;
};

declare global {
  interface Window {
    cfsRunInBrowser?: SessionProbe;
  }
}

async function fetchBytes(url: string): Promise<ArrayBuffer> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} (were the v86 files built? sudo scripts/v86/build.sh)`);
  return res.arrayBuffer();
}

export async function startSession(opts: {
  container: HTMLElement;
  base: string;
  lab: string;
  onStatus: (s: string) => void;
}): Promise<Session> {
  const t0 = performance.now();
  const {container, base, lab, onStatus} = opts;
  const [mod, state] = await Promise.all([
    import(/* webpackIgnore: true */ `${base}libv86.mjs`) as Promise<{V86: new (o: object) => Emulator}>,
    fetchBytes(`${base}state.bin.zst`),
  ]);
  if (!document.querySelector('link[data-cfs-xterm]')) {
    const css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = `${base}xterm.css`;
    css.dataset.cfsXterm = '';
    document.head.appendChild(css);
  }
  const term = new Terminal({cols: 100, rows: 30, convertEol: false, fontSize: 13, scrollback: 5000});
  term.open(container);

  let text = '';
  let pending: number[] = [];
  const probe: SessionProbe = {
    text: () => text,
    send: (s) => emulator.serial0_send(s),
    promptAt: 0,
    ready: false,
  };
  window.cfsRunInBrowser = probe;

  onStatus('Restoring the machine…');
  const emulator = new mod.V86({
    wasm_path: `${base}v86.wasm`,
    bios: {url: `${base}bios.bin`},
    initial_state: {buffer: state},
    filesystem: {baseurl: `${base}fs/`},
    ...MACHINE,
  });
  emulator.add_listener('serial0-output-byte', (byte) => {
    if (pending.length === 0) {
      requestAnimationFrame(() => {
        term.write(Uint8Array.from(pending));
        pending = [];
      });
    }
    pending.push(byte);
    text += String.fromCharCode(byte);
  });
  term.onData((d) => emulator.serial0_send(d));

  const waitForPrompt = () =>
    new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (PROMPT_RE.test(text)) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });

  const begin = async (first: boolean) => {
    // The snapshot was taken at a prompt: a newline asks for a fresh one.
    const nudge = setInterval(() => emulator.serial0_send('\n'), 500);
    emulator.serial0_send('\n');
    await waitForPrompt();
    clearInterval(nudge);
    if (first) probe.promptAt = performance.now();
    probe.ready = true;
    onStatus(
      `Machine ready in ${((performance.now() - t0) / 1000).toFixed(1)} s. Running /cfs/labs/${lab}/run.sh — its narration goes to stderr, its facts to stdout.`,
    );
    // The browser test (?cfs-test) types its own command, with stdout and stderr apart.
    if (!new URLSearchParams(window.location.search).has('cfs-test')) emulator.serial0_send(`/cfs/labs/${lab}/run.sh\n`);
    term.focus();
  };

  await new Promise((r) => setTimeout(r, 0));
  await begin(true);

  return {
    reset: async () => {
      probe.ready = false;
      onStatus('Restoring the snapshot…');
      await emulator.stop();
      await emulator.restore_state(state);
      emulator.run();
      term.reset();
      text = '';
      await begin(false);
    },
  };
}
