/**
 * What the classic theme imports from prism-react-renderer (`Highlight` in CodeBlock/Content,
 * `Prism` in prism-include-languages), with a Prism that holds only prism's core: the grammars
 * the site uses come from `themeConfig.prism.additionalLanguages`, as in any Docusaurus site.
 * prism-react-renderer's own build bundles ~20 grammars (jsx, tsx, swift, kotlin, rust, go,
 * python, …) into main.js, ~20 KB gzipped on every page; none of them is used here.
 * The rendering code below is prism-react-renderer 2.4.1's (MIT, FormidableLabs), unchanged in
 * behaviour: the same tokens, class names and styles, so server and client render the same.
 * src/plugins/slim-prism/index.ts points webpack's `prism-react-renderer` at this file.
 */
import {globalPrismBefore} from './manual';
import Prism from 'prismjs/components/prism-core';
import {createElement, useCallback, useMemo, type CSSProperties, type ReactElement} from 'react';
import clsx from 'clsx';

// prism-core also sets the global (`global.Prism = Prism`): put back what was there.
{
  const g = globalThis as {Prism?: unknown};
  if (globalPrismBefore === undefined) delete g.Prism;
  else g.Prism = globalPrismBefore;
}

export {Prism};

type Token = {types: string[]; content: string; empty?: boolean};
type PrismThemeEntry = {types: string[]; languages?: string[]; style: CSSProperties};
type PrismTheme = {plain: CSSProperties; styles: PrismThemeEntry[]};
type ThemeDict = Record<string, CSSProperties> & {root: CSSProperties; plain: CSSProperties};
type PrismToken = string | {type: string; alias?: string | string[]; content: PrismToken | PrismToken[]};

const newlineRe = /\r\n|\r|\n/;

function normalizeEmptyLines(line: Token[]): void {
  if (line.length === 0) {
    line.push({types: ['plain'], content: '\n', empty: true});
  } else if (line.length === 1 && line[0]!.content === '') {
    line[0]!.content = '\n';
    line[0]!.empty = true;
  }
}

function appendTypes(types: string[], add: string | string[]): string[] {
  const size = types.length;
  if (size > 0 && types[size - 1] === add) return types;
  return types.concat(add);
}

/** Prism's nested tokens as lines of flat tokens, each with the types of its ancestors. */
export function normalizeTokens(tokens: PrismToken[]): Token[][] {
  const typeArrStack: string[][] = [[]];
  const tokenArrStack: PrismToken[][] = [tokens];
  const tokenArrIndexStack = [0];
  const tokenArrSizeStack = [tokens.length];
  let i = 0;
  let stackIndex = 0;
  let currentLine: Token[] = [];
  const acc = [currentLine];
  while (stackIndex > -1) {
    while ((i = tokenArrIndexStack[stackIndex]!++) < tokenArrSizeStack[stackIndex]!) {
      let content: PrismToken | PrismToken[];
      let types = typeArrStack[stackIndex]!;
      const token = tokenArrStack[stackIndex]![i]!;
      if (typeof token === 'string') {
        types = stackIndex > 0 ? types : ['plain'];
        content = token;
      } else {
        types = appendTypes(types, token.type);
        if (token.alias) types = appendTypes(types, token.alias);
        content = token.content;
      }
      if (typeof content !== 'string') {
        const nested = Array.isArray(content) ? content : [content];
        stackIndex++;
        typeArrStack.push(types);
        tokenArrStack.push(nested);
        tokenArrIndexStack.push(0);
        tokenArrSizeStack.push(nested.length);
        continue;
      }
      const parts = content.split(newlineRe);
      currentLine.push({types, content: parts[0]!});
      for (let j = 1; j < parts.length; j++) {
        normalizeEmptyLines(currentLine);
        acc.push((currentLine = []));
        currentLine.push({types, content: parts[j]!});
      }
    }
    stackIndex--;
    typeArrStack.pop();
    tokenArrStack.pop();
    tokenArrIndexStack.pop();
    tokenArrSizeStack.pop();
  }
  normalizeEmptyLines(currentLine);
  return acc;
}

type Grammar = Parameters<typeof Prism.tokenize>[1];

export function useTokenize({prism, code, grammar, language}: {prism: typeof Prism; code: string; grammar?: Grammar; language: string}): Token[][] {
  return useMemo(() => {
    if (grammar == null) return normalizeTokens([code]);
    const env = {code, grammar, language, tokens: [] as PrismToken[]};
    prism.hooks.run('before-tokenize', env);
    env.tokens = prism.tokenize(code, grammar) as PrismToken[];
    prism.hooks.run('after-tokenize', env);
    return normalizeTokens(env.tokens);
  }, [code, grammar, language, prism]);
}

function themeToDict(theme: PrismTheme, language: string): ThemeDict {
  const {plain} = theme;
  const dict = theme.styles.reduce<Record<string, CSSProperties>>((acc, {languages, style, types}) => {
    if (languages && !languages.includes(language)) return acc;
    for (const type of types) acc[type] = {...acc[type], ...style};
    return acc;
  }, {}) as ThemeDict;
  dict.root = plain;
  dict.plain = {...plain, backgroundColor: undefined};
  return dict;
}

type LineInput = {line: Token[]; className?: string; style?: CSSProperties; [key: string]: unknown};
type TokenInput = {token: Token; className?: string; style?: CSSProperties; [key: string]: unknown};

type RenderProps = {
  tokens: Token[][];
  className: string;
  style: CSSProperties;
  getLineProps: (input: LineInput) => Record<string, unknown>;
  getTokenProps: (input: TokenInput) => Record<string, unknown>;
};

type HighlightProps = {
  theme: PrismTheme;
  code: string;
  language: string;
  prism?: typeof Prism;
  children: (props: RenderProps) => ReactElement;
};

function HighlightInner({children, language: languageProp, code, theme, prism}: HighlightProps & {prism: typeof Prism}): ReactElement {
  const language = languageProp.toLowerCase();
  const dict = themeToDict(theme, language);
  const getLineProps = useCallback(
    ({className, style, line: _line, ...rest}: LineInput) => {
      const output: Record<string, unknown> = {...rest, className: clsx('token-line', className)};
      if (typeof dict === 'object' && 'plain' in dict) output.style = dict.plain;
      if (typeof style === 'object') output.style = {...(output.style as CSSProperties | undefined), ...style};
      return output;
    },
    [dict],
  );
  const styleForToken = useCallback(
    ({types, empty}: Token): CSSProperties | undefined => {
      if (types.length === 1 && types[0] === 'plain') return empty != null ? {display: 'inline-block'} : undefined;
      if (types.length === 1 && empty != null) return dict[types[0]!];
      return Object.assign(empty != null ? {display: 'inline-block'} : {}, ...types.map((type) => dict[type]));
    },
    [dict],
  );
  const getTokenProps = useCallback(
    ({token, className, style, ...rest}: TokenInput) => {
      const output: Record<string, unknown> = {
        ...rest,
        className: clsx('token', ...token.types, className),
        children: token.content,
        style: styleForToken(token),
      };
      if (style != null) output.style = {...(output.style as CSSProperties | undefined), ...style};
      return output;
    },
    [styleForToken],
  );
  const grammar = prism.languages[language] as Grammar | undefined;
  const tokens = useTokenize({prism, language, code, grammar});
  return children({tokens, className: `prism-code language-${language}`, style: dict.root, getLineProps, getTokenProps});
}

export function Highlight(props: HighlightProps): ReactElement {
  return createElement(HighlightInner, {...props, prism: props.prism ?? Prism});
}
