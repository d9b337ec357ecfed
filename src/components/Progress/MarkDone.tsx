import React from 'react';
import {useProgress} from './useProgress';
import styles from './styles.module.css';

type Props = {
  /** chapterKey(docId) or labKey(lab), from ./progress. */
  id: string;
  children: React.ReactNode;
};

/** A checkbox that marks a chapter or a lab done, kept in this browser. */
export default function MarkDone({id, children}: Props): React.JSX.Element {
  const [progress, setDone] = useProgress();
  const done = progress.has(id);
  return (
    <label className={styles.markDone} data-progress-key={id}>
      <input type="checkbox" checked={done} onChange={(e) => setDone(id, e.target.checked)} /> {children}
    </label>
  );
}
