import React from 'react';
import CodeBlock from '@theme/CodeBlock';
import Link from '@docusaurus/Link';
import useDocusaurusContext from '@docusaurus/useDocusaurusContext';
import LabCast from '../LabCast';
import RunInBrowser from '../RunInBrowser';
import MarkDone from '../Progress/MarkDone';
import {labKey} from '../Progress/progress';
import {aptInstallLine} from './lab';
import type {LabInfo} from './info';
import styles from './styles.module.css';

type Props = {
  /** The lab folder under labs/, e.g. "silos/pid-ns". What it needs comes from its lab.manifest. */
  lab: string;
  /** Filled in at build time (src/plugins/lab-files/lab-props.ts): the lab's packages, verified-on lines, cast. */
  data?: LabInfo;
  /** Filled in at build time: the URL of labs/<lab>/run.cast in the build, when the lab has one. */
  castUrl?: string;
};

/** The "Run this lab" block: the command, what it needs, where the files are, where it was verified. */
export default function RunLab({lab, data, castUrl}: Props): React.JSX.Element {
  const {siteConfig} = useDocusaurusContext();
  const packages = data?.packages ?? [];
  const repoUrl = String(siteConfig.customFields?.repoUrl ?? '');
  const folder = `labs/${lab}`;
  const install = aptInstallLine(packages);
  const verified = data?.verified ?? [];
  return (
    <section className={styles.runLab} aria-label={`Run the lab ${lab}`}>
      <p className={styles.title}>
        <strong>Run this lab</strong> · <Link href={`${repoUrl}/tree/main/${folder}`}>{folder}/</Link>
      </p>
      <ul className={styles.facts}>
        <li>
          Needs: root (it creates namespaces, mounts or cgroups), and the Debian/Ubuntu packages{' '}
          {packages.join(', ') || '(none beyond a standard install)'}
        </li>
        <li>
          Leaves nothing behind: everything it creates is named <code>cfs-…</code> and removed on exit or
          interrupt; <code>{folder}/cleanup.sh</code> removes leftovers and is safe to run twice.
        </li>
        <li>
          {verified.length > 0
            ? `${verified.join('; ')}.`
            : 'Not yet recorded in labs/verified-on.json: the test suite checks it on every change.'}
        </li>
      </ul>
      <CodeBlock language="bash" title="From a clone of the repository">
        {[install, `sudo ${folder}/run.sh`, `sudo ${folder}/cleanup.sh   # only if you interrupted it hard`]
          .filter(Boolean)
          .join('\n')}
      </CodeBlock>
      {data?.browser ? <RunInBrowser lab={lab} /> : null}
      {data?.cast && castUrl && <LabCast lab={lab} cast={data.cast} url={castUrl} />}
      <MarkDone id={labKey(lab)}>I ran this lab (or watched its replay)</MarkDone>
    </section>
  );
}
