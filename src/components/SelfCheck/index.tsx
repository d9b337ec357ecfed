import React from 'react';
import styles from './styles.module.css';

type QuestionProps = {
  /** The question, as plain text. */
  q: string;
  /** The answer (markdown), hidden until the reader opens it. */
  children: React.ReactNode;
};

/** One question of a <SelfCheck>: the answer is behind a native disclosure (details/summary). */
export function Question({q, children}: QuestionProps): React.JSX.Element {
  return (
    <li className={styles.question}>
      <p className={styles.q}>{q}</p>
      <details className={styles.answer}>
        <summary>Show the answer</summary>
        <div className={styles.answerBody}>{children}</div>
      </details>
    </li>
  );
}

/**
 * "Check yourself": 3–5 <Question>s at the end of a teaching chapter, written from the chapter's
 * own facts (tests/content/selfcheck.test.ts checks the count). Works without JavaScript.
 */
export default function SelfCheck({children}: {children: React.ReactNode}): React.JSX.Element {
  return (
    <section className={styles.selfCheck} aria-label="Check yourself">
      <p className={styles.title}>
        <strong>Check yourself</strong>: answer in your head first, then open the answer.
      </p>
      <ol className={styles.list}>{children}</ol>
    </section>
  );
}
