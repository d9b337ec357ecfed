// Wraps the classic theme's doc footer: a "done with this chapter" box above it (reader progress).
import React from 'react';
import Footer from '@theme-original/DocItem/Footer';
import type FooterType from '@theme/DocItem/Footer';
import type {WrapperProps} from '@docusaurus/types';
import Link from '@docusaurus/Link';
import {useDoc} from '@docusaurus/plugin-content-docs/client';
import MarkDone from '@site/src/components/Progress/MarkDone';
import {chapterKey} from '@site/src/components/Progress/progress';
import styles from '@site/src/components/Progress/styles.module.css';

type Props = WrapperProps<typeof FooterType>;

export default function FooterWrapper(props: Props): React.JSX.Element {
  const {metadata} = useDoc();
  return (
    <>
      <div className={styles.chapterFooter}>
        <MarkDone id={chapterKey(metadata.id)}>Done with this chapter</MarkDone> · <Link to="/progress">your progress</Link>
      </div>
      <Footer {...props} />
    </>
  );
}
