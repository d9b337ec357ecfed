// Each lab declares its facts once, in lab.manifest; everything else that states them is checked
// against it here: run.sh's common::require_cmd calls, the README's prerequisites, the Debian
// package lists of the host and of the CI VM, the chapter that links the lab, and the names of
// what cleanup.sh removes. Keys and meanings: scripts/lab.sh.
import {describe, expect, it} from 'vitest';
import {ENVIRONMENTS, FEATURES, packagesOf, needsOf, readManifest, type Manifest} from '../../src/lib/manifest';
import {exists, labs, parsePage, read, root} from './repo';

const names = labs.map((l) => l.replace(/^labs\//, ''));
const manifest = (lab: string): Manifest => readManifest(root, lab);

/** Package names of a package list (one a line, # comments). */
function packageList(file: string): Set<string> {
  return new Set(
    read(file)
      .split('\n')
      .map((l) => l.replace(/#.*/, '').trim())
      .filter(Boolean),
  );
}
const hostPackages = packageList('scripts/deb-packages.txt');
const guestPackages = packageList('scripts/vm/guest-packages.txt');

/** "cmd=pkg" for every `common::require_cmd CMD PKG` line of a script. */
function requireCmds(script: string): string[] {
  return [...read(script).matchAll(/^\s*common::require_cmd\s+(\S+)\s+(\S+)/gm)].map((m) => `${m[1]}=${m[2]}`);
}

/** The text of a markdown section, from its "## Heading" to the next one. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}`);
  if (start < 0) return '';
  const rest = markdown.slice(start + 1);
  const end = rest.indexOf('\n## ', 1);
  return end < 0 ? rest : rest.slice(0, end);
}

describe('labs/*/*/lab.manifest: one declaration per lab', () => {
  it.each(names)('%s has a lab.manifest that parses, with a chapter, needs and verify', (lab) => {
    expect(exists(`labs/${lab}/lab.manifest`), `labs/${lab}: add lab.manifest (copy labs/_template/lab.manifest)`).toBe(true);
    const m = manifest(lab);
    expect(m.chapter, `labs/${lab}/lab.manifest: "chapter:" names exactly one page`).toHaveLength(1);
    expect(m.needs.length, `labs/${lab}/lab.manifest: list what run.sh needs as "needs: command=package ..."`).toBeGreaterThan(0);
    for (const {command, pkg} of needsOf(m)) {
      expect(command && pkg, `labs/${lab}/lab.manifest: "${command}=${pkg}" must be command=debian-package`).toBeTruthy();
    }
    expect(m.verify.length, `labs/${lab}/lab.manifest: say where it is verified: "verify: host vm"`).toBeGreaterThan(0);
    for (const env of m.verify) expect(ENVIRONMENTS, `labs/${lab}/lab.manifest: verify: ${env} is not one of ${ENVIRONMENTS.join(', ')}`).toContain(env);
    for (const f of m.features) expect(FEATURES, `labs/${lab}/lab.manifest: features: ${f} is not one of ${FEATURES.join(', ')}`).toContain(f);
    if (!m.verify.includes('host')) {
      expect(
        m.features.length,
        `labs/${lab}/lab.manifest: a lab not verified on the host must say which kernel feature the host lacks ("features: ${FEATURES.join(', ')}"); otherwise add host to verify:`,
      ).toBeGreaterThan(0);
    }
  });

  it.each(names)('%s: its chapter exists and shows it with <RunLab lab="…">', (lab) => {
    const [chapter = ''] = manifest(lab).chapter;
    expect(exists(chapter), `labs/${lab}/lab.manifest: chapter: ${chapter} does not exist`).toBe(true);
    expect(parsePage(chapter).runLabs, `${chapter}: add <RunLab lab="${lab}" /> (lab.manifest names this page as its chapter)`).toContain(lab);
  });

  it.each(names)('%s: run.sh checks exactly the commands the manifest needs', (lab) => {
    const declared = [...manifest(lab).needs].sort();
    const checked = [...new Set(requireCmds(`labs/${lab}/run.sh`))].sort();
    expect(
      checked,
      `labs/${lab}: run.sh's common::require_cmd calls and lab.manifest's "needs:" must list the same command=package pairs`,
    ).toEqual(declared);
  });

  it.each(names)("%s: README.md's prerequisites name every package the manifest needs", (lab) => {
    const prerequisites = section(read(`labs/${lab}/README.md`), 'Prerequisites');
    expect(prerequisites, `labs/${lab}/README.md: add a "## Prerequisites" section`).not.toBe('');
    for (const pkg of packagesOf(manifest(lab))) {
      expect(prerequisites, `labs/${lab}/README.md: name the package \`${pkg}\` under "## Prerequisites" (lab.manifest needs it)`).toContain(`\`${pkg}\``);
    }
  });

  it.each(names)('%s: every package it needs is installed by the test command, and in the VM when verified there', (lab) => {
    const m = manifest(lab);
    for (const pkg of packagesOf(m)) {
      expect(hostPackages.has(pkg), `scripts/deb-packages.txt: add ${pkg} (labs/${lab}/lab.manifest needs it)`).toBe(true);
      if (m.verify.includes('vm')) {
        expect(guestPackages.has(pkg), `scripts/vm/guest-packages.txt: add ${pkg} (labs/${lab} is verified in the VM)`).toBe(true);
      }
    }
  });

  it.each(names)('%s: everything it declares it creates is named cfs-… and cleanup.sh removes it with cleanup::lab', (lab) => {
    const m = manifest(lab);
    for (const key of ['tags', 'cgroups', 'netns', 'links', 'users', 'apparmor', 'runc'] as const) {
      for (const v of m[key]) expect(v, `labs/${lab}/lab.manifest: ${key}: ${v} must start with cfs-`).toMatch(/^cfs-/);
    }
    for (const v of m.chains) expect(v, `labs/${lab}/lab.manifest: chains: ${v} must be table:CFS-…`).toMatch(/^[a-z]+:CFS-/);
    for (const v of [...m.tmp, ...m.loops]) {
      expect(v, `labs/${lab}/lab.manifest: ${v} must lie under /tmp/cfs-… or /var/tmp/cfs-…`).toMatch(/^\/(var\/)?tmp\/cfs-/);
    }
    for (const v of m.sysctls) expect(v, `labs/${lab}/lab.manifest: sysctls: ${v} is not a sysctl name`).toMatch(/^[a-z0-9_-]+(\.[\w-]+)+$/);
    expect(read(`labs/${lab}/cleanup.sh`), `labs/${lab}/cleanup.sh: call cleanup::lab "$(dirname "\${BASH_SOURCE[0]}")" (scripts/lab.sh)`).toMatch(
      /cleanup::lab "\$\(dirname "\$\{BASH_SOURCE\[0\]\}"\)"/,
    );
  });

  it.each(names)("%s: the runc state roots run.sh makes (runc::use_root NAME) are exactly the manifest's runc: cfs-NAME", (lab) => {
    const used = [...new Set([...read(`labs/${lab}/run.sh`).matchAll(/runc::use_root\s+['"]?([a-z0-9-]+)/g)].map((m) => `cfs-${m[1]}`))].sort();
    expect(
      [...manifest(lab).runc].sort(),
      `labs/${lab}/lab.manifest: declare the runc state roots run.sh makes with runc::use_root NAME as "runc: cfs-NAME" (cleanup::lab tears them down)`,
    ).toEqual(used);
    expect(
      read(`labs/${lab}/cleanup.sh`),
      `labs/${lab}/cleanup.sh: leave runc::cleanup to cleanup::lab (the manifest's runc: key)`,
    ).not.toMatch(/runc::cleanup/);
  });

  it.each(names)('%s: run.sh changes sysctls only through lab::sysctl, and only declared ones', (lab) => {
    const text = read(`labs/${lab}/run.sh`);
    expect(text, `labs/${lab}/run.sh: set sysctls with lab::sysctl KEY VALUE (it saves and restores them), not sysctl -w`).not.toMatch(
      /sysctl\s+(-\w+\s+)*-w|>\s*\/proc\/sys\//,
    );
    for (const [, key] of text.matchAll(/lab::sysctl\s+(\S+)/g)) {
      expect(manifest(lab).sysctls, `labs/${lab}/lab.manifest: add ${key} to "sysctls:" (run.sh sets it)`).toContain(key);
    }
  });
});
