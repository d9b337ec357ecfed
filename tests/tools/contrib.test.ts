// The contributor files that cannot run here (GitHub workflows and templates, the Lima VM): they
// parse, and they agree with the rest of the repository.
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import {globSync} from 'tinyglobby';
import {describe, expect, it} from 'vitest';

const root = path.resolve(__dirname, '../..');
const read = (p: string): string => fs.readFileSync(path.join(root, p), 'utf8');
type Doc = Record<string, unknown>;
const load = (p: string): Doc => yaml.load(read(p)) as Doc;
const debPackages = new Set(
  read('scripts/deb-packages.txt')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean),
);

describe('.github/ and contrib/: YAML that parses', () => {
  const files = globSync(['.github/**/*.{yml,yaml}', 'contrib/**/*.{yml,yaml}'], {cwd: root, dot: true}).sort();
  it('there are files to check', () => expect(files.length).toBeGreaterThanOrEqual(5));
  it.each(files)('%s parses as YAML into a mapping', (file) => {
    expect(() => load(file), `${file}: fix the YAML syntax`).not.toThrow();
    expect(typeof load(file), `${file}: the top level must be a mapping`).toBe('object');
  });
});

describe('.github/workflows', () => {
  type Step = {uses?: string; run?: string; env?: Record<string, string>};
  type Job = {'runs-on': string; strategy?: {matrix?: {os?: string[]}}; steps: Step[]; needs?: string};
  const jobs = (file: string): Record<string, Job> => load(file).jobs as Record<string, Job>;

  it('ci.yml runs the test command on Ubuntu 22.04 and 24.04, and the VM step in a job of its own', () => {
    const {test, vm} = jobs('.github/workflows/ci.yml');
    expect(test?.strategy?.matrix?.os).toEqual(['ubuntu-22.04', 'ubuntu-24.04']);
    expect(test?.['runs-on']).toBe('${{ matrix.os }}');
    const run = test?.steps.find((s) => s.run?.includes('scripts/test-all.sh'));
    expect(run?.run, 'the test job runs scripts/test-all.sh with no step named: everything').toMatch(/scripts\/test-all\.sh$/);
    expect(run?.env?.CFS_SKIP_VM, 'the test jobs leave the VM to the vm job').toBeTruthy();
    expect(vm?.steps.some((s) => /scripts\/test-all\.sh deps vm$/.test(s.run ?? ''))).toBe(true);
    expect(fs.existsSync(path.join(root, 'scripts/vm/run-suite.sh')), 'the vm step runs scripts/vm/run-suite.sh').toBe(true);
  });

  it('pages.yml builds from main and deploys with the official Pages actions', () => {
    const doc = load('.github/workflows/pages.yml');
    expect((doc.on as {push: {branches: string[]}}).push.branches).toEqual(['main']);
    expect(doc.permissions).toMatchObject({pages: 'write', 'id-token': 'write'});
    const {build, deploy} = jobs('.github/workflows/pages.yml');
    const uses = [...(build?.steps ?? []), ...(deploy?.steps ?? [])].map((s) => s.uses?.replace(/@.*/, ''));
    for (const action of ['actions/configure-pages', 'actions/upload-pages-artifact', 'actions/deploy-pages']) expect(uses).toContain(action);
    expect(deploy?.needs).toBe('build');
  });

  it('there is no CODEOWNERS file', () => {
    for (const p of ['CODEOWNERS', '.github/CODEOWNERS', 'docs/CODEOWNERS']) expect(fs.existsSync(path.join(root, p)), p).toBe(false);
  });
});

describe('contrib/lima: the VM for contributors', () => {
  const file = 'contrib/lima/containers-from-scratch.yaml';
  const doc = load(file) as {
    images: {location: string; arch: string}[];
    mounts: {location: string; mountPoint: string; writable: boolean}[];
    provision: {mode: string; script: string}[];
  };
  const script = doc.provision.map((p) => p.script).join('\n');

  it('boots Debian 12 (bookworm) on x86_64 and aarch64', () => {
    expect(doc.images.map((i) => i.arch).sort()).toEqual(['aarch64', 'x86_64']);
    for (const i of doc.images) expect(i.location, `${file}: a Debian 12 image`).toMatch(/\/bookworm\/.*debian-12-/);
  });

  it('mounts the clone writable, and provisioning installs scripts/deb-packages.txt from it', () => {
    const [mount] = doc.mounts;
    expect(mount?.writable).toBe(true);
    expect(script, `${file}: run scripts/install-deps.sh --apt-only from the mounted clone (the one package list)`).toContain(
      `${mount?.mountPoint}/scripts/install-deps.sh --apt-only`,
    );
  });

  it('lists no lab package of its own: what it installs by name is only for Node.js, or is in scripts/deb-packages.txt', () => {
    const NODE_SETUP = new Set(['ca-certificates', 'curl', 'gnupg', 'nodejs']);
    const named = [...script.matchAll(/apt-get install ([^\n]*)/g)].flatMap((m) => (m[1] ?? '').split(/\s+/).filter((w) => w && !w.startsWith('-')));
    expect(named.length, `${file}: no apt-get install line found`).toBeGreaterThan(0);
    for (const pkg of named) {
      expect(NODE_SETUP.has(pkg) || debPackages.has(pkg), `${file}: ${pkg} is installed by name: add it to scripts/deb-packages.txt instead`).toBe(true);
    }
  });
});
