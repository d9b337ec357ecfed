/** One environment a lab passed every check in, as recorded in labs/verified-on.json. */
export type Verification = {env: string; kernel: string; cgroup: string; date?: string};
export type VerifiedOn = Record<string, Verification[]>;

/** What the environments are called on the page. */
const ENV_NAMES: Record<string, string> = {
  host: 'the CI host',
  vm: 'the CI VM, Debian 12 kernel',
  browser: 'browser: Linux 6.1 i386 in v86',
};

/** `sudo apt-get install …` for the packages a lab needs. */
export function aptInstallLine(packages: readonly string[]): string {
  return packages.length ? `sudo apt-get install -y ${packages.join(' ')}` : '';
}

/** "Verified on 2026-12-02: Linux 6.1.0-28-amd64, cgroup v2 (the CI VM …)", one per environment. */
export function verificationsFor(data: VerifiedOn, lab: string): string[] {
  return (data[lab] ?? []).map(
    (v) => `Verified on ${v.date ?? 'an undated run'}: Linux ${v.kernel}, cgroup ${v.cgroup} (${ENV_NAMES[v.env] ?? v.env})`,
  );
}
