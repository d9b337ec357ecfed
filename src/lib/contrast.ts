import type {PrismTheme} from 'prism-react-renderer';

/**
 * Code-block colours that every reader can read: each token colour of a prism theme is moved
 * towards black (light theme) or white (dark theme) until its contrast with the theme's
 * background reaches WCAG AA for normal text (4.5:1; we aim a little higher to absorb rounding).
 * The themes keep their hues; only the tokens that were too faint change (issue 14: axe found
 * dracula's comments at 3.0:1 and github's numbers at 2.6:1).
 */
type RGB = [number, number, number];

export function parseColor(css: string): RGB | undefined {
  const c = css.trim().toLowerCase();
  let m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/.exec(c);
  if (m) {
    const hex = m[1]!.length === 3 ? [...m[1]!].map((d) => d + d).join('') : m[1]!;
    return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) as RGB;
  }
  m = /^rgba?\(\s*(\d+)[\s,]+(\d+)[\s,]+(\d+)/.exec(c);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  m = /^hsla?\(\s*([\d.]+)(?:deg)?[\s,]+([\d.]+)%[\s,]+([\d.]+)%/.exec(c);
  if (m) {
    const h = Number(m[1]);
    const s = Number(m[2]) / 100;
    const l = Number(m[3]) / 100;
    const a = s * Math.min(l, 1 - l);
    const f = (n: number) => {
      const k = (n + h / 30) % 12;
      return Math.round((l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))) * 255);
    };
    return [f(0), f(8), f(4)];
  }
  return undefined;
}

function luminance([r, g, b]: RGB): number {
  const lin = (v: number) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

export function contrast(a: RGB, b: RGB): number {
  const [x, y] = [luminance(a), luminance(b)];
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}

const hex = (c: RGB) => `#${c.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;

/** `color` moved towards black or white (whichever the background is farther from) until it reads. */
export function readableOn(color: string, background: string, min = 4.6): string {
  const fg = parseColor(color);
  const bg = parseColor(background);
  if (!fg || !bg || contrast(fg, bg) >= min) return color;
  const target: RGB = luminance(bg) > 0.18 ? [0, 0, 0] : [255, 255, 255];
  for (let t = 0.02; t <= 1; t += 0.02) {
    const mixed = fg.map((v, i) => v + (target[i]! - v) * t) as RGB;
    if (contrast(mixed, bg) >= min) return hex(mixed);
  }
  return hex(target);
}

/** A prism theme whose every token colour reads on its background (opacity dropped: it fades text). */
export function readableTheme(theme: PrismTheme, min = 4.6): PrismTheme {
  const bg = theme.plain.backgroundColor ?? '#ffffff';
  return {
    plain: {...theme.plain, color: readableOn(theme.plain.color ?? '#000000', bg, min)},
    styles: theme.styles.map(({types, languages, style}) => {
      const {opacity: _opacity, ...rest} = style;
      return {types, ...(languages ? {languages} : {}), style: {...rest, ...(style.color ? {color: readableOn(style.color, bg, min)} : {})}};
    }),
  };
}
