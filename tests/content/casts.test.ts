import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {castProblems, castText, parseCast, sha256} from '../../src/lib/cast';
import {readManifest} from '../../src/lib/manifest';
import {exists, labs, read, root} from './repo';

const name = (dir: string): string => dir.replace(/^labs\//, '');
/** Labs the CI host can run (verify: lists host): each must have a recorded cast. */
const hostLabs = labs.filter((dir) => readManifest(root, name(dir)).verify.includes('host'));
const withCast = labs.filter((dir) => exists(`${dir}/run.cast`));
const record = (dir: string): string => `record it: sudo scripts/record-casts.sh ${name(dir)} (then commit ${dir}/run.cast)`;
const MAX_BYTES = 64 * 1024;

describe('labs/*/*/run.cast: a replay of a real run of each lab', () => {
  it('there are casts at all', () => expect(withCast.length).toBeGreaterThan(0));

  it.each(hostLabs)('%s has a recorded cast (run.cast)', (dir) => {
    expect(exists(`${dir}/run.cast`), `${dir}: no run.cast: ${record(dir)}`).toBe(true);
  });

  it.each(withCast)('%s/run.cast replays its current run.sh and expected-output.txt', (dir) => {
    const buf = (f: string): Buffer => fs.readFileSync(path.join(root, dir, f));
    const problems = castProblems(read(`${dir}/run.cast`), name(dir), {runSh: buf('run.sh'), expected: buf('expected-output.txt')});
    expect(problems, `${dir}/run.cast is stale or malformed: ${record(dir)}`).toEqual([]);
  });

  it.each(withCast)('%s/run.cast is small text', (dir) => {
    const size = fs.statSync(path.join(root, dir, 'run.cast')).size;
    expect(size, `${dir}/run.cast is ${size} bytes: keep casts under ${MAX_BYTES} (is the lab printing a flood?)`).toBeLessThan(MAX_BYTES);
  });
});

describe('castProblems (what the cast test checks)', () => {
  const runSh = '#!/usr/bin/env bash\necho "fact: 1"\n';
  const expected = 'fact: 1\n';
  const cast = (stamp: Record<string, string>, out = '$ sudo labs/a/b/run.sh\r\n[b] narration\r\nfact: 1\r\n'): string =>
    [
      JSON.stringify({version: 2, width: 80, height: 24, cfs: {lab: 'a/b', recorded: '2026-12-03', kernel: 'k', 'run.sh': sha256(runSh), 'expected-output.txt': sha256(expected), ...stamp}}),
      JSON.stringify([0.01, 'o', out.slice(0, 24)]),
      JSON.stringify([0.5, 'o', out.slice(24)]),
    ].join('\n');

  it('accepts a cast recorded from the current files', () => {
    expect(castProblems(cast({}), 'a/b', {runSh, expected})).toEqual([]);
    expect(castText(parseCast(cast({})))).toBe('$ sudo labs/a/b/run.sh\n[b] narration\nfact: 1\n');
  });

  it('fails when run.sh or expected-output.txt changed after the recording', () => {
    expect(castProblems(cast({}), 'a/b', {runSh: runSh + '# edited\n', expected})).toEqual(['run.sh changed after the cast was recorded']);
    expect(castProblems(cast({}), 'a/b', {runSh, expected: 'fact: 1\nfact: 2\n'})).toContain(
      'expected-output.txt changed after the cast was recorded',
    );
  });

  it('fails without the recorder stamp, for another lab, or without the facts on the terminal', () => {
    const bare = [JSON.stringify({version: 2, width: 80, height: 24}), JSON.stringify([0.1, 'o', 'x\r\n'])].join('\n');
    expect(castProblems(bare, 'a/b', {runSh, expected})).toEqual(['no "cfs" stamp in the header: record it with scripts/record-casts.sh']);
    expect(castProblems(cast({lab: 'a/c'}), 'a/b', {runSh, expected})).toEqual(['recorded for a/c, not a/b']);
    expect(castProblems(cast({}, '$ sudo labs/a/b/run.sh\r\nfact: 2\r\n'), 'a/b', {runSh, expected})).toEqual([
      'the fact "fact: 1" of expected-output.txt is not on the terminal',
    ]);
    expect(castProblems('not json', 'a/b', {runSh, expected})[0]).toMatch(/^not an asciicast v2 file/);
  });
});
