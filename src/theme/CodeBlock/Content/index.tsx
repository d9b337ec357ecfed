/**
 * The classic theme's CodeBlock/Content (Docusaurus 3.10.2, MIT, Facebook) with its lines
 * memoized: a block re-renders right after the page hydrates (its word-wrap state learns whether
 * the code scrolls; the colour-mode context settles), and each time the classic one rendered all
 * its lines and tokens again, thousands of elements on a docs page, in one task that Lighthouse
 * counted as blocking (issue 14). The lines now render again only when what they show changes:
 * the tokens (memoized on the code by Highlight), the prism theme (the colour mode), the
 * highlighted-line classes or the line numbers. Markup and behaviour are unchanged.
 */
import React, {memo, type ReactNode} from 'react';
import clsx from 'clsx';
import {usePrismTheme} from '@docusaurus/theme-common';
import {useCodeBlockContext} from '@docusaurus/theme-common/internal';
import {Highlight, type PrismTheme} from 'prism-react-renderer';
import Line from '@theme/CodeBlock/Line';
import type {Props} from '@theme/CodeBlock/Content';
import type {Props as LineProps} from '@theme/CodeBlock/Line';
import styles from './styles.module.css';

// TODO Docusaurus v4: remove useless forwardRef (as in the classic theme)
const Pre = React.forwardRef<HTMLPreElement, React.ComponentProps<'pre'>>((props, ref) => (
  // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex
  <pre ref={ref} tabIndex={0} {...props} className={clsx(props.className, styles.codeBlock, 'thin-scrollbar')} />
));

type LinesProps = {
  lines: LineProps['line'][];
  theme: PrismTheme;
  lineClassNames: Record<number, string[]>;
  lineNumbersStart: number | undefined;
  getLineProps: LineProps['getLineProps'];
  getTokenProps: LineProps['getTokenProps'];
};

function Lines({lines, lineClassNames, lineNumbersStart, getLineProps, getTokenProps}: LinesProps): ReactNode {
  return (
    <code
      className={clsx(styles.codeBlockLines, lineNumbersStart !== undefined && styles.codeBlockLinesWithNumbering)}
      style={{counterReset: lineNumbersStart === undefined ? undefined : `line-count ${lineNumbersStart - 1}`}}>
      {lines.map((line, i) => (
        <Line
          key={i}
          line={line}
          getLineProps={getLineProps}
          getTokenProps={getTokenProps}
          classNames={lineClassNames[i]}
          showLineNumbers={lineNumbersStart !== undefined}
        />
      ))}
    </code>
  );
}

/** getLineProps/getTokenProps are new functions on every render but depend only on the theme. */
const MemoLines = memo(
  Lines,
  (a, b) =>
    a.lines === b.lines &&
    a.theme === b.theme &&
    a.lineNumbersStart === b.lineNumbersStart &&
    JSON.stringify(a.lineClassNames) === JSON.stringify(b.lineClassNames),
);

export default function CodeBlockContent({className: classNameProp}: Props): ReactNode {
  const {metadata, wordWrap} = useCodeBlockContext();
  const prismTheme = usePrismTheme();
  const {code, language, lineNumbersStart, lineClassNames} = metadata;
  return (
    <Highlight theme={prismTheme} code={code} language={language}>
      {({className, style, tokens: lines, getLineProps, getTokenProps}) => (
        <Pre ref={wordWrap.codeBlockRef} className={clsx(classNameProp, className)} style={style}>
          <MemoLines
            lines={lines}
            theme={prismTheme}
            lineClassNames={lineClassNames}
            lineNumbersStart={lineNumbersStart}
            getLineProps={getLineProps}
            getTokenProps={getTokenProps}
          />
        </Pre>
      )}
    </Highlight>
  );
}
