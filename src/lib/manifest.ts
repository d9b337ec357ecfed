// A lab's manifest (labs/<topic>/<lab>/lab.manifest), read the same way as scripts/lab.sh reads
// it: one "key: value value ..." a line, # starts a comment, a key may repeat. The keys and what
// they mean are documented once, in scripts/lab.sh.
import fs from 'node:fs';
import path from 'node:path';

export const MANIFEST_KEYS = [
  'chapter',
  'needs',
  'verify',
  'features',
  'tags',
  'cgroups',
  'netns',
  'links',
  'tmp',
  'loops',
  'users',
  'chains',
  'sysctls',
  'apparmor',
  'runc',
] as const;
export type ManifestKey = (typeof MANIFEST_KEYS)[number];
export type Manifest = Record<ManifestKey, string[]>;

/** The environments a lab can be verified in, and the kernel features a host may lack. */
// browser: the lab also runs in the reader's browser (v86, scripts/v86/) and is checked there.
export const ENVIRONMENTS = ['host', 'vm', 'browser'] as const;
export const FEATURES = ['apparmor', 'criu', 'ipvs'] as const;

/** Parse a manifest's text; throws "file:line: …" on a malformed line or an unknown key. */
export function parseManifest(text: string, file = 'lab.manifest'): Manifest {
  const manifest = Object.fromEntries(MANIFEST_KEYS.map((k) => [k, [] as string[]])) as Manifest;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '');
    if (line.trim() === '') return;
    const m = /^([a-z]+):(\s.*)?$/.exec(line);
    if (!m) throw new Error(`${file}:${i + 1}: expected 'key: values', got '${raw}'`);
    const key = m[1] as ManifestKey;
    if (!MANIFEST_KEYS.includes(key)) throw new Error(`${file}:${i + 1}: unknown key '${key}' (known: ${MANIFEST_KEYS.join(' ')})`);
    manifest[key].push(...(m[2] ?? '').trim().split(/\s+/).filter(Boolean));
  });
  return manifest;
}

/** Read labs/<lab>/lab.manifest under the repository root. */
export function readManifest(root: string, lab: string): Manifest {
  const file = path.join(root, 'labs', lab, 'lab.manifest');
  return parseManifest(fs.readFileSync(file, 'utf8'), path.relative(root, file));
}

/** The needs: pairs as {command, pkg}. */
export function needsOf(manifest: Manifest): {command: string; pkg: string}[] {
  return manifest.needs.map((pair) => {
    const [command = '', pkg = ''] = pair.split('=');
    return {command, pkg};
  });
}

/** The Debian/Ubuntu packages a lab needs, each once, in the order first named. */
export function packagesOf(manifest: Manifest): string[] {
  return [...new Set(needsOf(manifest).map((n) => n.pkg))];
}
