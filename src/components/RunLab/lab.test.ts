import {describe, expect, it} from 'vitest';
import {aptInstallLine, verificationsFor} from './lab';

describe('RunLab helpers', () => {
  it('aptInstallLine installs the packages', () => {
    expect(aptInstallLine(['util-linux', 'procps'])).toBe('sudo apt-get install -y util-linux procps');
  });

  it('aptInstallLine is empty when no package is needed', () => {
    expect(aptInstallLine([])).toBe('');
  });

  it('verificationsFor says when and on what kernel and cgroup mode each environment passed', () => {
    const data = {'silos/pid-ns': [{env: 'vm', kernel: '6.1.0-28-amd64', cgroup: 'v2', date: '2026-11-28'}]};
    expect(verificationsFor(data, 'silos/pid-ns')).toEqual([
      'Verified on 2026-11-28: Linux 6.1.0-28-amd64, cgroup v2 (the CI VM, Debian 12 kernel)',
    ]);
    expect(verificationsFor(data, 'silos/other')).toEqual([]);
  });

  it('verificationsFor names the browser environment', () => {
    const data = {'silos/pid-ns': [{env: 'browser', kernel: '6.1.0-57-686', cgroup: 'v2', date: '2026-12-03'}]};
    expect(verificationsFor(data, 'silos/pid-ns')).toEqual([
      'Verified on 2026-12-03: Linux 6.1.0-57-686, cgroup v2 (browser: Linux 6.1 i386 in v86)',
    ]);
  });
});
