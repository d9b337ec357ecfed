import {describe, expect, it} from 'vitest';
import {browserLabs, routeOf, stdoutBetweenMarkers} from '../browser/v86-labs';

describe('browser labs helpers', () => {
  it('maps a chapter file to its route', () => {
    expect(routeOf('docs/10-silos-isolation/02-pid-namespace.mdx')).toBe('/docs/silos-isolation/pid-namespace');
  });
  it('takes the stdout between the markers, not the echoed command line', () => {
    const console = 'root@cfs-browser:/cfs# echo CFS""BEGIN; run.sh 2>/dev/null; echo CFS""END rc=$?\r\nCFSBEGIN\r\na: 1\r\nb: yes\r\nCFSEND rc=0\r\nroot@cfs-browser:/cfs# ';
    expect(stdoutBetweenMarkers(console)).toEqual({stdout: 'a: 1\nb: yes\n', rc: 0});
    expect(stdoutBetweenMarkers('echo CFS""BEGIN; x; echo CFS""END rc=$?')).toBeNull();
  });
  it('lists the labs whose manifest says verify: browser, the PID namespace lab among them', () => {
    expect(browserLabs()).toContain('silos/pid-ns');
  });
});
