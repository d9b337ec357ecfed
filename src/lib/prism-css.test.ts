import fs from 'node:fs';
import path from 'node:path';
import type {CSSProperties} from 'react';
import {createElement} from 'react';
// @ts-expect-error: no @types/react-dom here; renderToStaticMarkup(element): string
import {renderToStaticMarkup} from 'react-dom/server';
import {describe, expect, it} from 'vitest';
import {themes} from 'prism-react-renderer';
import {Highlight, Prism} from '../plugins/slim-prism/client';
import {readableTheme} from './contrast';
import {prismThemeCss, tokenStyle, typeProperties} from './prism-css';

// The grammar the site's code blocks use most (themeConfig.prism.additionalLanguages), loaded
// into the site's Prism as Docusaurus's prism-include-languages does: through the global.
(globalThis as {Prism?: unknown}).Prism = Prism;
// @ts-expect-error: prism's grammar files have no types
await import('prismjs/components/prism-bash');
delete (globalThis as {Prism?: unknown}).Prism;

const site = {light: readableTheme(themes.github), dark: readableTheme(themes.dracula)};
const root = path.resolve(__dirname, '../..');

type Rule = {selector: string; declarations: [string, string][]};

function parse(css: string): Rule[] {
  return [...css.matchAll(/([^{}]+)\{([^{}]*)\}/g)].map((m) => ({
    selector: m[1]!.trim(),
    declarations: m[2]!.split(';').map((d) => {
      const i = d.indexOf(':');
      return [d.slice(0, i), d.slice(i + 1)] as [string, string];
    }),
  }));
}

/** `var(--a, var(--b))` with the custom properties in scope; undefined where none is defined (unset). */
function resolve(value: string, vars: Record<string, string>): string | undefined {
  const m = /^var\((--[\w-]+)(?:,(.*))?\)$/.exec(value);
  if (!m) return value;
  return vars[m[1]!] ?? (m[2] ? resolve(m[2], vars) : undefined);
}

const camel = (key: string) => key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * What a browser gives a token from the stylesheet and its inline style: the custom properties of
 * the block's mode and language, then the class rule of a one-type token or the inline chain of
 * a several-type one (which beats class rules). As camelCase properties, like React's styles.
 */
function computed(rules: Rule[], mode: string, language: string, types: string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const scope of [`[data-theme='${mode}'] .prism-code`, `[data-theme='${mode}'] .prism-code.language-${language}`]) {
    for (const rule of rules) if (rule.selector === scope) Object.assign(vars, Object.fromEntries(rule.declarations));
  }
  const declared: Record<string, string> = {};
  const inline = tokenStyle(types, typeProperties([site.light, site.dark]));
  if (inline) {
    for (const [key, value] of Object.entries(inline)) declared[key] = String(value);
  } else {
    for (const rule of rules) {
      const m = /^\.prism-code \.token\.([\w-]+)$/.exec(rule.selector);
      if (m && types.includes(m[1]!)) for (const [p, v] of rule.declarations) declared[camel(p)] = v;
    }
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(declared)) {
    const v = resolve(value, vars);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** What prism-react-renderer's getTokenProps gives every token of `code` (its colours, not its layout). */
function inlineStyles(theme: typeof site.light, code: string, language: string): {types: string[]; style: Record<string, string>}[] {
  const out: {types: string[]; style: Record<string, string>}[] = [];
  renderToStaticMarkup(
    Highlight({
      theme,
      code,
      language,
      prism: Prism,
      children: ({tokens, getTokenProps}) => {
        for (const token of tokens.flat()) {
          const {style} = getTokenProps({token}) as {style?: CSSProperties};
          const {display: _layout, ...colours} = style ?? {};
          out.push({types: token.types, style: Object.fromEntries(Object.entries(colours).filter(([, v]) => v != null).map(([k, v]) => [k, String(v)]))});
        }
        return createElement('pre');
      },
    }),
  );
  return out;
}

describe('prism token colours as a stylesheet (issue 14: code blocks keep the server markup while the page hydrates)', () => {
  const rules = parse(prismThemeCss(site));

  it('defines every entry’s colour per mode, and each token type reads its own', () => {
    for (const [mode, theme] of Object.entries(site)) {
      for (const {types, style} of theme.styles) {
        if (!style.color) continue;
        const type = types.find((t) => t !== 'plain')!;
        expect(computed(rules, mode, 'bash', [type]).color, `${mode} ${type}`).toBeDefined();
      }
    }
    expect(computed(rules, 'light', 'bash', ['comment'])).toEqual({color: site.light.styles[0]!.style.color, fontStyle: 'italic'});
    expect(computed(rules, 'dark', 'bash', ['comment']).color).not.toBe(computed(rules, 'light', 'bash', ['comment']).color);
    // A type the theme gives no style inherits the block's plain colour.
    expect(computed(rules, 'light', 'bash', ['no-such-type'])).toEqual({});
  });

  it('an entry with languages applies to code of those languages only', () => {
    const css = prismThemeCss({light: {plain: {}, styles: [{types: ['keyword'], languages: ['css'], style: {color: '#123456'}}]}, dark: {plain: {}, styles: []}});
    expect(css).toBe("[data-theme='light'] .prism-code.language-css{--prism-keyword-color:#123456}\n.prism-code .token.keyword{color:var(--prism-keyword-color)}");
  });

  it('refuses a style property it does not carry, naming it', () => {
    expect(() => prismThemeCss({light: {plain: {}, styles: [{types: ['keyword'], style: {textDecorationLine: 'underline'}}]}, dark: {plain: {}, styles: []}})).toThrow(/textDecorationLine/);
  });

  // The colours a reader sees must not change: every token of every lab script and of the
  // mini-container, in both modes, gets from the stylesheet what prism-react-renderer's inline
  // style gave it, multi-type tokens (a variable inside a string) included.
  const scripts = [
    ...fs.readdirSync(path.join(root, 'labs'), {recursive: true, encoding: 'utf8'}).filter((f) => f.endsWith('.sh')).map((f) => path.join('labs', f)),
    'scripts/mini-container.sh',
    'scripts/common.sh',
  ];
  it(`every token of ${scripts.length} bash scripts has the same colours in both modes`, () => {
    expect(scripts.length).toBeGreaterThan(100);
    let tokens = 0;
    let multi = 0;
    for (const file of scripts) {
      const code = fs.readFileSync(path.join(root, file), 'utf8');
      for (const [mode, theme] of Object.entries(site)) {
        for (const {types, style} of inlineStyles(theme, code, 'bash')) {
          if (types.length === 1 && types[0] === 'plain') continue;
          tokens++;
          if (types.length > 1) multi++;
          expect(computed(rules, mode, 'bash', types), `${file} (${mode}): a ${types.join(' ')} token`).toEqual(style);
        }
      }
    }
    expect(tokens).toBeGreaterThan(10_000);
    expect(multi).toBeGreaterThan(0);
  });
});
