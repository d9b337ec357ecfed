import React, {useRef, useState} from 'react';
import useBaseUrl from '@docusaurus/useBaseUrl';
import type {Session} from './session';
import {unsupportedReason} from './support';
import styles from './styles.module.css';

type Props = {
  /** The lab folder under labs/, e.g. "silos/pid-ns": the guest runs /cfs/labs/<lab>/run.sh. */
  lab: string;
};

type Phase = 'idle' | 'loading' | 'running' | 'error';

/**
 * "Run in your browser": a button that loads nothing until it is clicked. Then it imports the
 * session code (a separate chunk: v86 is fetched from /v86/, xterm.js from its own chunk),
 * restores the snapshot built by scripts/v86/build.sh, and runs the lab in a real Linux 6.1 guest.
 */
export default function RunInBrowser({lab}: Props): React.JSX.Element {
  const base = useBaseUrl('/v86/');
  const siteBase = useBaseUrl('/');
  const termRef = useRef<HTMLDivElement>(null);
  const session = useRef<Session | null>(null);
  const [phase, setPhase] = useState<Phase>('idle');
  const [status, setStatus] = useState('');
  const [offline, setOffline] = useState(false);

  const start = async () => {
    const reason = unsupportedReason();
    if (reason) {
      setPhase('error');
      setStatus(reason);
      return;
    }
    setPhase('loading');
    setStatus('Loading the emulator and the machine snapshot (about 10 MB, cached afterwards)…');
    try {
      const {startSession, keepForOffline} = await import(/* webpackChunkName: "run-in-browser" */ './session');
      // Before the session's fetches, so that they are kept for offline use too.
      setOffline(await keepForOffline(siteBase));
      session.current = await startSession({container: termRef.current!, base, lab, onStatus: setStatus});
      setPhase('running');
    } catch (e) {
      setPhase('error');
      setStatus(`Could not start the machine: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  const forget = async () => {
    const {forgetOffline} = await import(/* webpackChunkName: "run-in-browser" */ './session');
    await forgetOffline();
    setOffline(false);
    setStatus('The offline copy is gone: the next visit fetches the machine again.');
  };

  return (
    <div className={styles.box} data-run-in-browser={lab}>
      <p className={styles.buttons}>
        {phase === 'idle' || phase === 'error' ? (
          <button type="button" className="button button--primary button--sm" onClick={start} disabled={false}>
            Run in your browser
          </button>
        ) : null}
        {phase === 'running' ? (
          <button type="button" className="button button--secondary button--sm" onClick={() => session.current?.reset()}>
            Reset the machine
          </button>
        ) : null}{' '}
        {phase === 'running' && offline ? (
          <button type="button" className="button button--secondary button--sm" onClick={forget}>
            Forget the offline copy
          </button>
        ) : null}{' '}
        <span className={styles.note}>
          A real Linux 6.1 kernel (Debian, i386) in WebAssembly (v86), on your machine: nothing is sent anywhere. You are root
          in the guest and can type anything. Once a lab has run, it runs again offline (the site keeps a copy with a service
          worker).
        </span>
      </p>
      {status ? (
        <p className={phase === 'error' ? styles.error : styles.status} role="status">
          {status}
        </p>
      ) : null}
      <div ref={termRef} className={phase === 'idle' ? styles.hidden : styles.terminal} />
    </div>
  );
}
