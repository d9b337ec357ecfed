// What a page needs to know about a lab's cast before it is opened (no node: imports: the
// browser bundle uses the type).

/** Per lab: the cast's length in seconds, the terminal rows its output fills, the recording date. */
export type CastSummary = {seconds: number; rows: number; recorded: string};
export type CastData = Record<string, CastSummary>;

/** Summarise an asciicast v2 file written by scripts/record-casts.sh. */
export function castSummary(text: string): CastSummary {
  const [first = '{}', ...rest] = text.split('\n').filter((l) => l.trim() !== '');
  const header = JSON.parse(first) as {width?: number; height?: number; duration?: number; cfs?: {recorded?: string}};
  const width = header.width ?? 80;
  let output = '';
  let last = 0;
  for (const line of rest) {
    const [t, code, data] = JSON.parse(line) as [number, string, string];
    last = t;
    if (code === 'o') output += data;
  }
  // Terminal lines, a long line wrapping at the recorded width.
  const lines = output
    .replace(/\r\n$/, '')
    .split('\r\n')
    .reduce((n, l) => n + Math.max(1, Math.ceil(l.length / width)), 0);
  return {
    seconds: Math.round((header.duration ?? last) * 10) / 10,
    // Every line of the run on screen, within the height it was recorded at.
    rows: Math.max(5, Math.min(header.height ?? 24, lines + 1)),
    recorded: header.cfs?.recorded ?? '',
  };
}
