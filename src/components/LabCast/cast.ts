import type {CastSummary} from '../../lib/cast-summary';

/** The speeds a reader can pick; 1 is real speed, the default. */
export const SPEEDS = [0.5, 1, 2, 4] as const;

/** "1×", "0.5×". */
export const speedLabel = (speed: number): string => `${speed}×`;

/** How long the recorded run took, as a reader would say it: "0.3 s", "4 s", "1 min 5 s". */
export function duration(seconds: number): string {
  if (seconds < 1) return `${Math.max(0.1, Math.round(seconds * 10) / 10)} s`;
  const s = Math.round(seconds);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
}

/** The line under the button: what the replay is. */
export function caption(lab: string, cast: CastSummary): string {
  return `A real run of sudo labs/${lab}/run.sh${cast.recorded ? `, recorded on ${cast.recorded}` : ''} (${duration(cast.seconds)}): facts on stdout, [narration] on stderr, replayed at the speed it ran.`;
}
