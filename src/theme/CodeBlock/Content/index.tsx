/**
 * The classic theme's CodeBlock/Content (Docusaurus 3.10.2, MIT, Facebook), changed for issue 14
 * (a docs page is mostly code: 65-77% of its elements are prism tokens):
 * - Token colours come from a stylesheet keyed on the colour mode (src/lib/prism-css.ts, put in
 *   every page's head by src/plugins/slim-prism), not from an inline style per token and line, so
 *   a block's lines are the same markup in both modes.
 * - While the page hydrates, a block keeps the lines the server rendered: React neither tokenizes
 *   the code again nor hydrates thousands of <span>s, which were main.js's longest tasks under
 *   Lighthouse. A block that mounts later (another page, a tab) renders its lines as before.
 * - The lines are memoized: they render again only when what they show changes (the tokens,
 *   memoized on the code by Highlight; the highlighted-line classes; the line numbers), not when
 *   the block re-renders after hydration (word-wrap state) or the colour mode changes.
 * Markup and behaviour are otherwise unchanged.
 */
import React, {memo, useEffect, useLayoutEffect, useRef, useState, type CSSProperties, type ReactNode, type RefObject} from 'react';
import clsx from 'clsx';
import ExecutionEnvironment from '@docusaurus/ExecutionEnvironment';
import useIsBrowser from '@docusaurus/useIsBrowser';
import {usePrismTheme, useThemeConfig} from '@docusaurus/theme-common';
import {useCodeBlockContext} from '@docusaurus/theme-common/internal';
import {Highlight} from 'prism-react-renderer';
import Line from '@theme/CodeBlock/Line';
import type {Props} from '@theme/CodeBlock/Content';
import type {Props as LineProps} from '@theme/CodeBlock/Line';
import {tokenStyle, typeProperties} from '@site/src/lib/prism-css';
import styles from './styles.module.css';

// TODO Docusaurus v4: remove useless forwardRef (as in the classic theme)
const Pre = React.forwardRef<HTMLPreElement, React.ComponentProps<'pre'>>((props, ref) => (
  // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex
  <pre ref={ref} tabIndex={0} {...props} className={clsx(props.className, styles.codeBlock, 'thin-scrollbar')} />
));

type LinesProps = {
  lines: LineProps['line'][];
  lineClassNames: Record<number, string[]>;
  lineNumbersStart: number | undefined;
  getLineProps: LineProps['getLineProps'];
  getTokenProps: LineProps['getTokenProps'];
};

/**
 * Line or token props with the colours of the stylesheet instead of the theme's (src/lib/prism-css.ts):
 * none on a line or a token of one type, a chain of var()s on a token of several. `display`
 * stays: it is layout (an empty line's token is an inline-block).
 */
function coloursFromStylesheet<F extends (input: never) => object>(get: F, used: Map<string, Set<string>>): F {
  return ((input: Parameters<F>[0]) => {
    const {style, ...rest} = get(input) as {style?: CSSProperties};
    const types = (input as {token?: {types: string[]}}).token?.types;
    const merged = {...(types && tokenStyle(types, used)), ...(style?.display ? {display: style.display} : {})};
    return Object.keys(merged).length > 0 ? {...rest, style: merged} : rest;
  }) as F;
}

/** The style properties of each token type in the light and the dark theme, computed once. */
let typePropertiesOfSite: Map<string, Set<string>> | undefined;
function useTypeProperties(): Map<string, Set<string>> {
  const {prism} = useThemeConfig();
  typePropertiesOfSite ??= typeProperties([prism.theme, prism.darkTheme ?? prism.theme]);
  return typePropertiesOfSite;
}

function linesClassName(lineNumbersStart: number | undefined): string {
  return clsx(styles.codeBlockLines, lineNumbersStart !== undefined && styles.codeBlockLinesWithNumbering);
}

function linesStyle(lineNumbersStart: number | undefined): CSSProperties {
  return {counterReset: lineNumbersStart === undefined ? undefined : `line-count ${lineNumbersStart - 1}`};
}

function Lines({lines, lineClassNames, lineNumbersStart, getLineProps, getTokenProps}: LinesProps): ReactNode {
  const used = useTypeProperties();
  return (
    <code className={linesClassName(lineNumbersStart)} style={linesStyle(lineNumbersStart)}>
      {lines.map((line, i) => (
        <Line
          key={i}
          line={line}
          getLineProps={coloursFromStylesheet(getLineProps, used)}
          getTokenProps={coloursFromStylesheet(getTokenProps, used)}
          classNames={lineClassNames[i]}
          showLineNumbers={lineNumbersStart !== undefined}
        />
      ))}
    </code>
  );
}

/** getLineProps/getTokenProps are new functions on every render; without the theme's colours they depend on nothing. */
const MemoLines = memo(
  Lines,
  (a, b) =>
    a.lines === b.lines &&
    a.lineNumbersStart === b.lineNumbersStart &&
    JSON.stringify(a.lineClassNames) === JSON.stringify(b.lineClassNames),
);

/** Whatever is inside the element already: React sets innerHTML only when __html changes. */
const KEEP_SERVER_MARKUP = {__html: ''};

/** useLayoutEffect in the browser (before the first paint), useEffect on the server (where neither runs). */
const useLayoutEffectInBrowser = ExecutionEnvironment.canUseDOM ? useLayoutEffect : useEffect;

/**
 * True for a block that mounted while the page hydrated, still shows the code it mounted with,
 * and found the server's lines in its <code>. useIsBrowser() is false while React hydrates and
 * true once it has; on the server the block renders its lines (that is the markup kept). A page
 * rendered in the browser alone (the development server, or React's fallback after a failed
 * hydration) has no server lines: the block finds its <code> empty before the first paint and
 * renders them.
 */
function useServerLines(code: string, codeRef: RefObject<HTMLElement | null>): boolean {
  const isBrowser = useIsBrowser();
  const [hydratedWith, setHydratedWith] = useState(ExecutionEnvironment.canUseDOM && !isBrowser ? code : undefined);
  const keeps = hydratedWith === code;
  useLayoutEffectInBrowser(() => {
    if (keeps && !codeRef.current?.hasChildNodes()) setHydratedWith(undefined);
  }, [keeps, codeRef]);
  return keeps;
}

export default function CodeBlockContent({className: classNameProp}: Props): ReactNode {
  const {metadata, wordWrap} = useCodeBlockContext();
  const prismTheme = usePrismTheme();
  const {code, language, lineNumbersStart, lineClassNames} = metadata;
  const codeRef = useRef<HTMLElement>(null);
  const serverLines = useServerLines(code, codeRef);
  if (serverLines) {
    // What Highlight gives Pre (prism-react-renderer: the language class, the theme's plain colours).
    return (
      <Pre
        ref={wordWrap.codeBlockRef}
        className={clsx(classNameProp, `prism-code language-${language.toLowerCase()}`)}
        style={prismTheme.plain}>
        <code
          ref={codeRef}
          className={linesClassName(lineNumbersStart)}
          style={linesStyle(lineNumbersStart)}
          dangerouslySetInnerHTML={KEEP_SERVER_MARKUP}
          suppressHydrationWarning
        />
      </Pre>
    );
  }
  return (
    <Highlight theme={prismTheme} code={code} language={language}>
      {({className, style, tokens: lines, getLineProps, getTokenProps}) => (
        <Pre ref={wordWrap.codeBlockRef} className={clsx(classNameProp, className)} style={style}>
          <MemoLines
            lines={lines}
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
