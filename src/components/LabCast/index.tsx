import React, {useCallback, useEffect, useRef, useState} from 'react';
import type {CastSummary} from '@site/src/lib/cast-summary';
import type {Player} from 'asciinema-player';
import {caption, SPEEDS, speedLabel} from './cast';
import styles from './styles.module.css';

/** The player's stylesheet, once per page. */
function addStyle(css: string): void {
  if (document.getElementById('cfs-asciinema-player-css')) return;
  const style = document.createElement('style');
  style.id = 'cfs-asciinema-player-css';
  style.textContent = css;
  document.head.appendChild(style);
}

type Props = {
  /** The lab folder under labs/, e.g. "silos/pid-ns"; its replay is labs/<lab>/run.cast. */
  lab: string;
  /** The cast's length and height (src/plugins/lab-files). */
  cast: CastSummary;
  /** labs/<lab>/run.cast's URL in the build (src/plugins/lab-files/lab-props.ts). */
  url: string;
};

/**
 * A replay of a real run of a lab (labs/<lab>/run.cast, from scripts/record-casts.sh), played by
 * asciinema-player. Nothing of the player or the cast loads until the reader asks for it.
 */
export default function LabCast({lab, cast, url}: Props): React.JSX.Element | null {
  const [open, setOpen] = useState(false);
  const [speed, setSpeed] = useState(1);
  const [error, setError] = useState('');
  const box = useRef<HTMLDivElement>(null);
  const player = useRef<Player | null>(null);
  const playing = useRef(true);

  const mount = useCallback(
    async (startAt: number, autoPlay: boolean) => {
      const [lib] = await Promise.all([
        import('asciinema-player'),
        import('@generated/cfs-lab-casts/default/player-css.js').then((m: {default: string}) => addStyle(m.default)),
      ]);
      if (!box.current || !cast) return;
      player.current?.dispose();
      box.current.replaceChildren();
      const p = lib.create(url, box.current, {
        speed,
        startAt,
        autoPlay,
        preload: true,
        rows: cast.rows,
        fit: 'width',
        terminalFontSize: 'small',
      });
      p.addEventListener('play', () => void (playing.current = true));
      p.addEventListener('pause', () => void (playing.current = false));
      p.addEventListener('ended', () => void (playing.current = false));
      player.current = p;
    },
    // speed is read when the player is made: a new speed makes a new player (below).
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [url, cast, speed],
  );

  useEffect(() => {
    if (!open) return;
    // A new speed: a new player at the same point of the run (the player has no speed setter).
    const at = player.current?.getCurrentTime() ?? 0;
    mount(at, player.current ? playing.current : true).catch((err: unknown) => setError(String(err)));
  }, [open, speed, mount]);

  useEffect(() => () => player.current?.dispose(), []);

  if (!cast) return null;
  return (
    <div className={styles.cast}>
      {open ? (
        <>
          <div ref={box} className={styles.player} role="region" aria-label={`Replay of a run of the lab ${lab}`} />
          <div className={styles.controls}>
            <label>
              Speed{' '}
              <select value={speed} onChange={(e) => setSpeed(Number(e.target.value))} aria-label="Replay speed">
                {SPEEDS.map((s) => (
                  <option key={s} value={s}>
                    {speedLabel(s)}
                    {s === 1 ? ' (real speed)' : ''}
                  </option>
                ))}
              </select>
            </label>
          </div>
          {error && (
            <p className={styles.error} role="alert">
              The replay could not load ({error}); the lab's files are above.
            </p>
          )}
        </>
      ) : (
        <button type="button" className="button button--secondary button--sm" onClick={() => setOpen(true)}>
          ▶ Watch a recorded run
        </button>
      )}
      <p className={styles.caption}>{caption(lab, cast)}</p>
    </div>
  );
}
