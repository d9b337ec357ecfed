import React from 'react';
import Layout from '@theme/Layout';
import Link from '@docusaurus/Link';
import type {ChecklistPart} from '@site/src/lib/checklist';
import {chapterKey, countDone, labKey} from './progress';
import {useProgress} from './useProgress';
import styles from './styles.module.css';

function Check({id, label}: {id: string; label: string}): React.JSX.Element {
  const [progress, setDone] = useProgress();
  return <input type="checkbox" data-progress-key={id} aria-label={label} checked={progress.has(id)} onChange={(e) => setDone(id, e.target.checked)} />;
}

/** What done means here, in numbers: "3 of 9 chapters, 1 of 8 labs". */
function Summary({part}: {part: ChecklistPart}): React.JSX.Element {
  const [progress] = useProgress();
  const chapters = countDone(progress, part.chapters.map((c) => chapterKey(c.id)));
  const labs = countDone(progress, part.chapters.flatMap((c) => c.labs.map(labKey)));
  return (
    <p data-part-summary={part.folder}>
      {chapters.done} of {chapters.total} chapters done
      {labs.total > 0 && `, ${labs.done} of ${labs.total} labs run`}
    </p>
  );
}

/** /progress: every part's chapters and labs, checked where this browser marked them done. */
export default function ChecklistPage({checklist}: {checklist: ChecklistPart[]}): React.JSX.Element {
  return (
    <Layout title="Your progress" description="The chapters and labs you marked done, part by part (kept in this browser).">
      <main className="container margin-vert--lg">
        <h1>Your progress</h1>
        <p>
          Tick a chapter when you have read it and a lab when you have run it (or watched its replay). The marks stay in this
          browser (its local storage): no account, nothing sent anywhere, and they work offline. The same boxes are at the end of
          each chapter and in each lab's block.
        </p>
        {checklist.map((part) => (
          <section key={part.folder} className={styles.part} aria-labelledby={`part-${part.folder}`}>
            <h2 id={`part-${part.folder}`}>{part.title}</h2>
            <Summary part={part} />
            <ul className={styles.chapters}>
              {part.chapters.map((c) => (
                <li key={c.id}>
                  <Check id={chapterKey(c.id)} label={`Chapter done: ${c.title}`} /> <Link to={c.path}>{c.title}</Link>
                  {c.labs.length > 0 && (
                    <ul className={styles.labs}>
                      {c.labs.map((lab) => (
                        <li key={lab}>
                          <Check id={labKey(lab)} label={`Lab run: ${lab}`} /> lab <code>{lab}</code>
                        </li>
                      ))}
                    </ul>
                  )}
                </li>
              ))}
            </ul>
          </section>
        ))}
      </main>
    </Layout>
  );
}
