// Wraps the classic theme's sidebar link: a chapter the reader marked done shows a check mark.
import React from 'react';
import clsx from 'clsx';
import Link from '@theme-original/DocSidebarItem/Link';
import type LinkType from '@theme/DocSidebarItem/Link';
import type {WrapperProps} from '@docusaurus/types';
import {chapterKey} from '@site/src/components/Progress/progress';
import {useProgress} from '@site/src/components/Progress/useProgress';
import styles from './styles.module.css';

type Props = WrapperProps<typeof LinkType>;

export default function LinkWrapper(props: Props): React.JSX.Element {
  const [progress] = useProgress();
  const {item} = props;
  const done = item.docId !== undefined && progress.has(chapterKey(item.docId));
  return <Link {...props} item={done ? {...item, className: clsx(item.className, styles.done, 'cfs-progress-done')} : item} />;
}
