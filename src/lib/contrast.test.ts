import {describe, expect, it} from 'vitest';
import {themes} from 'prism-react-renderer';
import {contrast, parseColor, readableOn, readableTheme} from './contrast';

describe('readable prism themes (issue 14: code-block tokens meet WCAG AA 4.5:1)', () => {
  it('parses the colour notations prism themes use', () => {
    expect(parseColor('#fff')).toEqual([255, 255, 255]);
    expect(parseColor('rgb(98, 114, 164)')).toEqual([98, 114, 164]);
    expect(parseColor('hsl(0, 0%, 0%)')).toEqual([0, 0, 0]);
  });

  it('leaves a readable colour alone and darkens or lightens a faint one', () => {
    expect(readableOn('#000000', '#ffffff')).toBe('#000000');
    const onLight = readableOn('#36acaa', '#f6f8fa');
    expect(contrast(parseColor(onLight)!, parseColor('#f6f8fa')!)).toBeGreaterThanOrEqual(4.5);
    const onDark = readableOn('rgb(98, 114, 164)', '#282a36');
    expect(contrast(parseColor(onDark)!, parseColor('#282a36')!)).toBeGreaterThanOrEqual(4.5);
  });

  for (const name of ['github', 'dracula'] as const) {
    it(`every token of the site's ${name} theme reads on its background`, () => {
      const theme = readableTheme(themes[name]);
      const bg = parseColor(theme.plain.backgroundColor!)!;
      // The originals do not: github's numbers are 2.6:1, dracula's comments 3.0:1.
      const faint = themes[name].styles.filter((s) => s.style.color && contrast(parseColor(s.style.color)!, bg) < 4.5);
      expect(faint.length).toBeGreaterThan(0);
      for (const {types, style} of theme.styles) {
        if (!style.color) continue;
        expect(contrast(parseColor(style.color)!, bg), `${types.join(',')} ${style.color}`).toBeGreaterThanOrEqual(4.5);
        expect(style.opacity).toBeUndefined();
      }
    });
  }
});
