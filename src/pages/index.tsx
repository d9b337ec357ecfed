import React from 'react';
import Link from '@docusaurus/Link';
import Layout from '@theme/Layout';
import {mentalModel, parts} from '@site/src/data/parts';
import styles from './index.module.css';

function MentalModel(): React.JSX.Element {
  return (
    <p className={styles.equation} aria-label="The mental model">
      <span className={styles.lhs}>Containers</span> ={' '}
      {mentalModel.map(({term, part}, i) => {
        const start = parts.find((p) => p.folder === part)?.start;
        return (
          <React.Fragment key={term}>
            {i > 0 && ' + '}
            {start ? (
              <Link className={styles.term} to={start}>
                {term}
              </Link>
            ) : (
              <span className={styles.term}>{term}</span>
            )}
          </React.Fragment>
        );
      })}
    </p>
  );
}

export default function Home(): React.JSX.Element {
  return (
    <Layout title="Linux containers from the kernel up" description="Namespaces, cgroups, overlay filesystems, OCI runtimes, networking and security, with labs that really run and are verified in CI.">
      <header className={styles.hero}>
        <div className="container">
          <h1>Containers from Scratch</h1>
          <p className={styles.tagline}>
            A container is not a VM. It is a constrained process. Learn the kernel features that make one, run
            every step yourself as root, and watch each lab verified in CI on a real kernel.
          </p>
          <MentalModel />
          <Link className="button button--primary button--lg" to="/docs/intro/what-this-is">
            Start reading
          </Link>
        </div>
      </header>
      <main className="container margin-vert--lg">
        <h2>Roadmap</h2>
        <ol className={styles.roadmap}>
          {parts.map((part) => (
            <li key={part.folder} className={styles.part}>
              <h3>
                {part.start ? <Link to={part.start}>{part.title}</Link> : part.title}
                {!part.start && <span className={styles.soon}> (being written)</span>}
              </h3>
              <p className={styles.question}>{part.question}</p>
              <p>{part.summary}</p>
            </li>
          ))}
        </ol>
      </main>
    </Layout>
  );
}
