/** One environment a lab passed in, as recorded in labs/verified-on.json. */
export type Verification = {env: string; kernel: string; cgroup: string; date?: string};
export type VerifiedOn = Record<string, Verification[]>;

/** `sudo apt-get install …` for the packages a lab needs ("root" is not a package). */
export function aptInstallLine(needs: readonly string[]): string {
  const packages = needs.filter((n) => n !== 'root');
  return packages.length ? `sudo apt-get install -y ${packages.join(' ')}` : '';
}

/** Human-readable environments a lab was verified in, e.g. "vm: Linux 6.1.0-28-amd64, cgroup v2". */
export function verificationsFor(data: VerifiedOn, lab: string): string[] {
  return (data[lab] ?? []).map((v) => `${v.env}: Linux ${v.kernel}, cgroup ${v.cgroup}${v.date ? ` (${v.date})` : ''}`);
}
