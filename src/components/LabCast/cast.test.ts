import {describe, expect, it} from 'vitest';
import {castSummary} from '../../lib/cast-summary';
import {caption, duration, SPEEDS, speedLabel} from './cast';

describe('LabCast helpers', () => {
  it('real speed is one of the choices', () => {
    expect(SPEEDS).toContain(1);
    expect(SPEEDS.map(speedLabel)).toEqual(['0.5×', '1×', '2×', '4×']);
  });

  it('says how long the run took', () => {
    expect(duration(0.302)).toBe('0.3 s');
    expect(duration(0.01)).toBe('0.1 s');
    expect(duration(4.4)).toBe('4 s');
    expect(duration(65)).toBe('1 min 5 s');
    expect(duration(120)).toBe('2 min');
  });

  it('summarises a cast: its length, the rows its output fills (long lines wrap) and its date', () => {
    const cast = [
      JSON.stringify({version: 2, width: 10, height: 30, duration: 2.345, cfs: {recorded: '2026-12-03'}}),
      JSON.stringify([0.1, 'o', '$ sudo x\r\n']),
      JSON.stringify([2.345, 'o', 'a line of 25 characters.\r\n']),
    ].join('\n');
    expect(castSummary(cast)).toEqual({seconds: 2.3, rows: 5, recorded: '2026-12-03'});
    const tall = [JSON.stringify({version: 2, width: 80, height: 8}), JSON.stringify([1, 'o', 'x\r\n'.repeat(20)])].join('\n');
    expect(castSummary(tall)).toEqual({seconds: 1, rows: 8, recorded: ''});
  });

  it('captions the replay with the command and the date', () => {
    expect(caption('silos/pid-ns', {seconds: 0.3, rows: 17, recorded: '2026-12-03'})).toBe(
      'A real run of sudo labs/silos/pid-ns/run.sh, recorded on 2026-12-03 (0.3 s): facts on stdout, [narration] on stderr, replayed at the speed it ran.',
    );
  });
});
