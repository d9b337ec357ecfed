// npm run new (src/lib/scaffold.ts, scripts/new.ts), run against a temporary copy of the parts of
// the repository it reads: labs/_template, one real lab and one part of docs/. The real tree is
// never written to. That a scaffolded lab passes the harness once its run.sh body and expected
// output are written is tests/scripts/new-lab.bats (root, minutes).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {execFileSync} from 'node:child_process';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {fill, parseArgs, placeholders, scaffold, ScaffoldError, TEMPLATE_DIR, type Request} from '../../src/lib/scaffold';
import {parseManifest} from '../../src/lib/manifest';
import {parts} from '../../src/data/parts';

const repo = path.resolve(__dirname, '../..');
let root = '';

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cfstest-scaffold.'));
  for (const p of [TEMPLATE_DIR, 'labs/silos/pid-ns', 'docs/10-silos-isolation']) {
    fs.cpSync(path.join(repo, p), path.join(root, p), {recursive: true});
  }
});
afterEach(() => fs.rmSync(root, {recursive: true, force: true}));

const at = (p: string): string => path.join(root, p);
const text = (p: string): string => fs.readFileSync(at(p), 'utf8');
/** Every file under root, relative, sorted: to prove a refusal changed nothing. */
const tree = (): string[] => (fs.readdirSync(root, {recursive: true}) as string[]).sort();
const lab = (name: string, chapter: string): Request => parseArgs(['lab', name, '--chapter', chapter]);

describe('npm run new: the command line', () => {
  it.each([
    [['lab', 'overlayfs/copy-up', '--chapter', '30-glue-filesystems/03-copy-on-write'], {kind: 'lab', lab: 'overlayfs/copy-up', chapter: '30-glue-filesystems/03-copy-on-write'}],
    [['lab', 'overlayfs/copy-up', '--chapter=docs/30-glue-filesystems/03-copy-on-write.mdx'], {kind: 'lab', lab: 'overlayfs/copy-up', chapter: 'docs/30-glue-filesystems/03-copy-on-write.mdx'}],
    [['chapter', '30-glue-filesystems/03-copy-on-write', '--lab', 'overlayfs/copy-up'], {kind: 'chapter', lab: 'overlayfs/copy-up', chapter: '30-glue-filesystems/03-copy-on-write'}],
  ])('%j parses', (argv, request) => expect(parseArgs(argv)).toEqual(request));

  it.each([
    [[], /say what to make: lab or chapter/],
    [['lab'], /name the lab to make/],
    [['lab', 'overlayfs/copy-up'], /say which page teaches the lab: --chapter/],
    [['chapter', '30-glue-filesystems/03-x'], /say which lab the page shows: --lab/],
    [['lab', 'a/b', '--chapter', '30-x/01-y', '--force'], /unexpected argument '--force'/],
  ])('%j is refused with a message that says what to write', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(ScaffoldError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe('npm run new: a lab and a new page in a new part', () => {
  it('makes the five lab files, the page and the part, with the names filled in', () => {
    const result = scaffold(root, lab('overlayfs/copy-up', '30-glue-filesystems/03-copy-on-write'));
    const dir = 'labs/overlayfs/copy-up';
    expect(result.created.sort()).toEqual(
      [
        'docs/30-glue-filesystems/_category_.json',
        'docs/30-glue-filesystems/03-copy-on-write.mdx',
        ...['lab.manifest', 'README.md', 'run.sh', 'cleanup.sh', 'expected-output.txt'].map((f) => `${dir}/${f}`),
      ].sort(),
    );
    const manifest = parseManifest(text(`${dir}/lab.manifest`));
    expect(manifest.chapter, 'chapter: points at the page').toEqual(['docs/30-glue-filesystems/03-copy-on-write.mdx']);
    expect(manifest.tags).toEqual(['cfs-copy-up-init']);
    for (const f of ['run.sh', 'cleanup.sh']) expect(fs.statSync(at(`${dir}/${f}`)).mode & 0o111, `${f} is executable`).toBe(0o111);
    expect(text(`${dir}/cleanup.sh`), 'cleanup.sh is the standard one-call file, as labs/silos/pid-ns has it').toBe(text('labs/silos/pid-ns/cleanup.sh'));
    expect(text(`${dir}/run.sh`)).toContain('# shellcheck source=../../../scripts/common.sh\n');
    expect(text(`${dir}/README.md`)).toContain('sudo labs/overlayfs/copy-up/run.sh');
    expect(text(`${dir}/README.md`)).toContain('](../../../docs/30-glue-filesystems/03-copy-on-write.mdx)');
    expect(text(`${dir}/expected-output.txt`)).toMatch(/^placeholder: .*sudo flock \/run\/lock\/cfs-labs\.lock labs\/overlayfs\/copy-up\/run\.sh > /);
    const category = JSON.parse(text('docs/30-glue-filesystems/_category_.json'));
    expect(category).toMatchObject({label: 'Glue: filesystems', position: 30, link: {type: 'generated-index'}});
  });

  it('leaves no TEMPLATE line, no <topic> or <lab>, and every prose placeholder for the contributor', () => {
    scaffold(root, lab('overlayfs/copy-up', '30-glue-filesystems/03-copy-on-write'));
    for (const f of ['labs/overlayfs/copy-up/run.sh', 'labs/overlayfs/copy-up/README.md', 'labs/overlayfs/copy-up/lab.manifest', 'docs/30-glue-filesystems/03-copy-on-write.mdx']) {
      expect(text(f), f).not.toMatch(/TEMPLATE:|<topic>|<lab>|<LAB>|NN-part/);
    }
    expect(placeholders(text('labs/overlayfs/copy-up/README.md'))).toContain('<name>');
    expect(placeholders(text('labs/overlayfs/copy-up/run.sh'))).toContain('<one sentence saying what this lab shows>');
  });

  it('the page shows the lab with RunLab and empty file= fences, under the standard sections', () => {
    scaffold(root, lab('overlayfs/copy-up', '30-glue-filesystems/03-copy-on-write'));
    const page = text('docs/30-glue-filesystems/03-copy-on-write.mdx');
    expect(page).toContain('<RunLab lab="overlayfs/copy-up" />');
    expect(page).toContain('```bash title="labs/overlayfs/copy-up/run.sh" file=<rootDir>/labs/overlayfs/copy-up/run.sh\n```');
    expect(page).toContain('```text title="labs/overlayfs/copy-up/expected-output.txt" file=<rootDir>/labs/overlayfs/copy-up/expected-output.txt\n```');
    const headings = [...page.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(headings).toEqual(['Why it matters', 'How it works', 'Run the lab', 'What you will see', 'When it breaks', 'Recap', 'References']);
  });

  it('prints the next three commands: the real run, the one-lab check, the site', () => {
    const {next} = scaffold(root, lab('overlayfs/copy-up', '30-glue-filesystems/03-copy-on-write'));
    expect(next).toHaveLength(3);
    expect(next[0]).toMatch(/^sudo flock \/run\/lock\/cfs-labs\.lock labs\/overlayfs\/copy-up\/run\.sh > labs\/overlayfs\/copy-up\/expected-output\.txt/);
    expect(next[1]).toBe('sudo scripts/test-all.sh lab overlayfs/copy-up');
    expect(next[2]).toMatch(/^npm start/);
  });
});

describe('npm run new: the first page of a part that has none yet', () => {
  it('says to set the part\'s start in src/data/parts.ts, with the page\'s address', () => {
    // Every part of the outline has its first page now: take one's start away for this test.
    const part = parts.find((p) => p.folder === '90-observability-labs')!;
    const start = part.start;
    delete part.start;
    try {
      const result = scaffold(root, lab('observability/ns-inodes', '90-observability-labs/00-namespaces-from-the-host'));
      expect(result.created).toContain('docs/90-observability-labs/_category_.json');
      expect(result.todo.join('\n')).toContain("set its start: '/docs/observability-labs/namespaces-from-the-host' in src/data/parts.ts");
    } finally {
      part.start = start;
    }
  });

  it('says nothing of start for a part that has one', () => {
    const result = scaffold(root, lab('overlayfs/copy-up', '30-glue-filesystems/03-copy-on-write'));
    expect(result.todo.join('\n')).not.toContain('src/data/parts.ts');
  });
});

describe('npm run new: what exists already', () => {
  it('a lab for an existing page: makes the lab only, and says what to add to the page', () => {
    const before = text('docs/10-silos-isolation/02-pid-namespace.mdx');
    const result = scaffold(root, lab('silos/pid-ns-two', '10-silos-isolation/02-pid-namespace'));
    expect(result.created.every((f) => f.startsWith('labs/silos/pid-ns-two/'))).toBe(true);
    expect(text('docs/10-silos-isolation/02-pid-namespace.mdx'), 'an existing page is not edited').toBe(before);
    expect(result.todo.join('\n')).toContain('<RunLab lab="silos/pid-ns-two" />');
  });

  it('a chapter for an existing lab: makes the page only', () => {
    const result = scaffold(root, parseArgs(['chapter', '10-silos-isolation/20-pid-again', '--lab', 'silos/pid-ns']));
    expect(result.created).toEqual(['docs/10-silos-isolation/20-pid-again.mdx']);
    expect(text('docs/10-silos-isolation/20-pid-again.mdx')).toContain('<RunLab lab="silos/pid-ns" />');
  });

  it.each([
    [['lab', 'silos/pid-ns', '--chapter', '10-silos-isolation/20-x'], /labs\/silos\/pid-ns exists already/],
    [['lab', 'other/pid-ns', '--chapter', '10-silos-isolation/20-x'], /a lab's name is unique across topics/],
    [['chapter', '10-silos-isolation/02-pid-namespace', '--lab', 'silos/new-one'], /02-pid-namespace\.mdx exists already/],
    [['lab', 'Silos/x', '--chapter', '10-silos-isolation/20-x'], /'Silos\/x' is not a lab name/],
    [['lab', 'silos/x_y', '--chapter', '10-silos-isolation/20-x'], /'silos\/x_y' is not a lab name/],
    [['lab', 'silos', '--chapter', '10-silos-isolation/20-x'], /'silos' is not a lab name/],
    [['lab', 'silos/x', '--chapter', '10-silos-isolation/x'], /is not a page name/],
    [['lab', 'silos/x', '--chapter', '31-glue/01-x'], /docs\/31-glue does not exist and is not a part of the outline/],
    [['lab', 'silos/x', '--chapter', '10-silos-isolation/30-summary'], /summary or appendix page/],
  ])('%j is refused, and nothing is written', (argv, message) => {
    const before = tree();
    expect(() => scaffold(root, parseArgs(argv))).toThrow(message);
    expect(tree()).toEqual(before);
  });
});

describe('fill', () => {
  it('drops TEMPLATE lines and comment blocks, keeps the rest', () => {
    const names = {topic: 't', lab: 'l', chapterPath: 'docs/1/2.mdx'};
    expect(fill('a\n# TEMPLATE: x\nb <lab> <LAB>\n{/* TEMPLATE: y\n z */}\nc', names)).toBe('a\nb l L\nc');
  });
});

describe('scripts/new.ts', () => {
  it('refuses a malformed name with exit status 2 and one line on stderr, from the CLI', () => {
    let status = 0;
    let stderr = '';
    try {
      execFileSync(path.join(repo, 'node_modules/.bin/tsx'), [path.join(repo, 'scripts/new.ts'), 'lab', 'Bad/Name', '--chapter', '30-x/01-y'], {stdio: 'pipe'});
    } catch (e) {
      const err = e as {status: number; stderr: Buffer};
      status = err.status;
      stderr = err.stderr.toString();
    }
    expect(status).toBe(2);
    expect(stderr).toMatch(/^npm run new: 'Bad\/Name' is not a lab name/);
  });
});
