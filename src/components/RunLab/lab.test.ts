import {describe, expect, it} from 'vitest';
import {aptInstallLine, verificationsFor} from './lab';

describe('RunLab helpers', () => {
  it('aptInstallLine installs the packages and leaves "root" out', () => {
    expect(aptInstallLine(['root', 'util-linux', 'procps'])).toBe('sudo apt-get install -y util-linux procps');
  });

  it('aptInstallLine is empty when only root is needed', () => {
    expect(aptInstallLine(['root'])).toBe('');
  });

  it('verificationsFor describes each environment a lab passed in', () => {
    const data = {'silos/pid-ns': [{env: 'vm', kernel: '6.1.0-28-amd64', cgroup: 'v2', date: '2026-11-28'}]};
    expect(verificationsFor(data, 'silos/pid-ns')).toEqual(['vm: Linux 6.1.0-28-amd64, cgroup v2 (2026-11-28)']);
    expect(verificationsFor(data, 'silos/other')).toEqual([]);
  });
});
