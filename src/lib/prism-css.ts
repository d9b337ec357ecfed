import type {CSSProperties} from 'react';
import type {PrismTheme} from 'prism-react-renderer';

/**
 * The token colours of the light and the dark prism theme as one stylesheet, keyed on the
 * colour mode (`html[data-theme]`), instead of an inline style on every token.
 *
 * Why (issue 14): a docs page is mostly code, 65-77% of its elements are tokens, and React
 * hydrated each of them, tokenizing the code again in the browser, in main.js's longest tasks.
 * With colours in CSS a token's markup is the same in both modes, so a code block keeps the
 * server's markup while the page hydrates (src/theme/CodeBlock/Content) and a colour-mode switch
 * is a CSS change, not a re-render.
 *
 * Each mode defines a custom property per token type and style property (`--prism-string-color`),
 * merged in the theme's order as prism-react-renderer's themeToDict does (a later entry wins; one
 * with `languages` only on code of those languages). A token of one type reads its own through
 * a class rule. A token of several types (a string inside a variable inside a string) gets what
 * prism-react-renderer gives it, its last type's value first, then the one before, as an inline
 * chain of var() fallbacks (tokenStyle): the same markup in both modes again.
 */

/** The style properties the site's prism themes use; prismThemeCss refuses any other. */
export const TOKEN_PROPERTIES = ['color', 'font-style'] as const;

const custom = (type: string, property: string) => `--prism-${type}-${property}`;
const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (key: string) => key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export function prismThemeCss(themes: {light: PrismTheme; dark: PrismTheme}): string {
  const rules: string[] = [];
  for (const [mode, theme] of Object.entries(themes)) {
    // Scope '' is every language; the others follow it, so that they win (higher specificity).
    const scopes = new Map<string, string[]>([['', []]]);
    for (const {types, languages, style} of theme.styles) {
      for (const [key, value] of Object.entries(style)) {
        if (value === undefined || value === null || value === '') continue;
        const property = kebab(key);
        if (!(TOKEN_PROPERTIES as readonly string[]).includes(property)) {
          throw new Error(`prism theme (${mode}): token style property '${key}' is not in TOKEN_PROPERTIES (src/lib/prism-css.ts): add it there`);
        }
        // A token of type plain alone gets no style from prism-react-renderer: neither here.
        for (const type of types.filter((t) => t !== 'plain')) {
          for (const language of languages ?? ['']) {
            if (!scopes.has(language)) scopes.set(language, []);
            scopes.get(language)!.push(`${custom(type, property)}:${String(value)}`);
          }
        }
      }
    }
    for (const [language, declarations] of scopes) {
      if (declarations.length === 0) continue;
      rules.push(`[data-theme='${mode}'] .prism-code${language ? `.language-${language}` : ''}{${declarations.join(';')}}`);
    }
  }
  // A custom property a mode does not define makes the declaration unset: the token inherits the
  // block's plain colour, as it does when the theme has no style for its type.
  for (const [type, properties] of typeProperties(Object.values(themes))) {
    if (type === 'plain') continue;
    rules.push(`.prism-code .token.${type}{${[...properties].map((p) => `${p}:var(${custom(type, p)})`).join(';')}}`);
  }
  return rules.join('\n');
}

/** Which style properties each token type has in any of the themes (what prismThemeCss writes rules for). */
export function typeProperties(themes: PrismTheme[]): Map<string, Set<string>> {
  const used = new Map<string, Set<string>>();
  for (const theme of themes) {
    for (const {types, style} of theme.styles) {
      for (const [key, value] of Object.entries(style)) {
        if (value === undefined || value === null || value === '') continue;
        for (const type of types) {
          if (!used.has(type)) used.set(type, new Set());
          used.get(type)!.add(kebab(key));
        }
      }
    }
  }
  return used;
}

/**
 * The inline style of a token of several types (undefined for one type: its class rule does it),
 * over the types that have the property in some theme (`typeProperties`).
 */
export function tokenStyle(types: string[], used: Map<string, Set<string>>): CSSProperties | undefined {
  if (types.length < 2) return undefined;
  // Last type first, as Object.assign(...types.map(dict)) lets the last one win.
  const order = [...new Set([...types].reverse())];
  const style: Record<string, string> = {};
  for (const property of TOKEN_PROPERTIES) {
    const chain = order.filter((type) => used.get(type)?.has(property));
    if (chain.length > 0) style[camel(property)] = chain.reduceRight((fallback, type) => `var(${custom(type, property)}${fallback ? `,${fallback}` : ''})`, '');
  }
  return Object.keys(style).length > 0 ? (style as CSSProperties) : undefined;
}
