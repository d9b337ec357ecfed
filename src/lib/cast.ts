// asciicast v2 replays of lab runs (labs/<topic>/<lab>/run.cast, written by scripts/record-casts.sh).
import {createHash} from 'node:crypto';

/** What scripts/record-casts.sh puts under "cfs" in a cast's header. */
export type CastStamp = {lab: string; recorded: string; kernel: string; 'run.sh': string; 'expected-output.txt': string};
export type CastHeader = {version: number; width: number; height: number; duration?: number; title?: string; cfs?: CastStamp};
export type CastEvent = [number, string, string];
export type Cast = {header: CastHeader; events: CastEvent[]};

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Parse an asciicast v2 file: a JSON header line, then one JSON event [time, code, data] a line. */
export function parseCast(text: string): Cast {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new Error('empty cast');
  const header = JSON.parse(lines[0]!) as CastHeader;
  const events = lines.slice(1).map((l, i) => {
    const e = JSON.parse(l) as unknown;
    if (!Array.isArray(e) || e.length !== 3 || typeof e[0] !== 'number' || typeof e[1] !== 'string' || typeof e[2] !== 'string') {
      throw new Error(`event ${i + 1} is not [time, code, data]: ${l.slice(0, 80)}`);
    }
    return e as CastEvent;
  });
  return {header, events};
}

/** The terminal output of a cast as plain lines (CR LF folded, no escape sequences). */
export function castText(cast: Cast): string {
  return cast.events
    .filter((e) => e[1] === 'o')
    .map((e) => e[2])
    .join('')
    // eslint-disable-next-line no-control-regex
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
    .replace(/\r\n/g, '\n');
}

/**
 * Why a lab's cast is not a replay of its current run.sh and expected output, or [] when it is.
 * Recomputes the hashes scripts/record-casts.sh stored in the header.
 */
export function castProblems(text: string, lab: string, files: {runSh: string | Buffer; expected: string | Buffer}): string[] {
  let cast: Cast;
  try {
    cast = parseCast(text);
  } catch (err) {
    return [`not an asciicast v2 file: ${(err as Error).message}`];
  }
  const {header, events} = cast;
  const problems: string[] = [];
  if (header.version !== 2) problems.push(`version ${header.version}, not 2`);
  if (!(header.width > 0 && header.height > 0)) problems.push('no terminal width and height in the header');
  const stamp = header.cfs;
  if (!stamp) return [...problems, 'no "cfs" stamp in the header: record it with scripts/record-casts.sh'];
  if (stamp.lab !== lab) problems.push(`recorded for ${stamp.lab}, not ${lab}`);
  if (stamp['run.sh'] !== sha256(files.runSh)) problems.push('run.sh changed after the cast was recorded');
  if (stamp['expected-output.txt'] !== sha256(files.expected)) problems.push('expected-output.txt changed after the cast was recorded');
  let last = 0;
  for (const [t] of events) {
    if (t < last) problems.push(`event times go backwards at ${t}`);
    last = t;
  }
  const shown = castText(cast);
  if (!shown.startsWith(`$ sudo labs/${lab}/run.sh\n`)) problems.push(`it does not start with the command "$ sudo labs/${lab}/run.sh"`);
  const lines = shown.split('\n');
  for (const fact of String(files.expected).split('\n').filter(Boolean)) {
    if (!lines.includes(fact)) problems.push(`the fact "${fact}" of expected-output.txt is not on the terminal`);
  }
  return problems;
}
