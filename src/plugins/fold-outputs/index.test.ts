import {describe, expect, it} from 'vitest';
import type {Code, Root} from 'mdast';
import foldOutputs, {FOLD_AFTER_LINES, folds, lineCount, outputLab, summaryText} from './index';

const lines = (n: number) => Array.from({length: n}, (_, i) => `fact ${i + 1}: ${i}`).join('\n');
const code = (meta: string, value: string, lang = 'text'): Code => ({type: 'code', lang, meta, value});
const output = (n: number, lab = 'observability/procfs') =>
  code(`title="labs/${lab}/expected-output.txt" file=<rootDir>/labs/${lab}/expected-output.txt`, lines(n));

function run(...children: Code[]): Root {
  const tree: Root = {type: 'root', children: [...children]};
  foldOutputs()(tree);
  return tree;
}

describe('fold-outputs: a long expected output folds', () => {
  it('knows a lab output fence and counts its lines', () => {
    expect(outputLab(output(3))).toBe('observability/procfs');
    expect(outputLab(code('file=<rootDir>/labs/silos/pid-ns/run.sh', 'x'))).toBeUndefined();
    expect(outputLab(code('title="labs/silos/pid-ns/expected-output.txt"', 'x')), 'a title alone is not a file').toBeUndefined();
    expect(lineCount('a\nb\n')).toBe(2);
    expect(lineCount('')).toBe(0);
  });

  it(`folds an output longer than ${FOLD_AFTER_LINES} lines into a closed details with a summary that says what it is`, () => {
    const long = output(FOLD_AFTER_LINES + 1);
    expect(folds(long)).toBe(true);
    const tree = run(long);
    const [details] = tree.children as unknown as {name: string; attributes: {name: string; value: string}[]; children: {name?: string; type: string; children?: {value: string}[]}[]}[];
    expect(details?.name).toBe('details');
    expect(details?.attributes).toEqual([{type: 'mdxJsxAttribute', name: 'className', value: 'cfs-output-fold'}]);
    expect(details?.attributes.some((a) => a.name === 'open'), 'it starts closed').toBe(false);
    expect(details?.children[0]?.name).toBe('summary');
    expect(details?.children[0]?.children?.[0]?.value).toBe(`Expected output of observability/procfs: ${FOLD_AFTER_LINES + 1} lines (show)`);
    expect(details?.children[1], 'the fence itself, unchanged, inside').toBe(long);
    expect(summaryText(long)).toContain(`${FOLD_AFTER_LINES + 1} lines`);
  });

  it(`leaves an output of ${FOLD_AFTER_LINES} lines or fewer, and any other long fence, as they are`, () => {
    const short = output(FOLD_AFTER_LINES);
    const script = code('title="run.sh" file=<rootDir>/labs/silos/pid-ns/run.sh', lines(80), 'bash');
    const tree = run(short, script);
    expect(tree.children).toEqual([short, script]);
  });

  it('folds each long output of a page, keeping their order', () => {
    const a = output(20, 'runtime/live-container');
    const b = output(4, 'silos/pid-ns');
    const c = output(30, 'observability/procfs');
    const tree = run(a, b, c);
    expect(tree.children.map((n) => (n.type === 'code' ? 'code' : (n as unknown as {name: string}).name))).toEqual(['details', 'code', 'details']);
  });
});
