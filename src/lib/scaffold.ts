// The scaffolder behind `npm run new` (scripts/new.ts): a new lab and the page that teaches it,
// copied from labs/_template/ (the one source of the house form: lab.manifest, README.md, run.sh,
// cleanup.sh, expected-output.txt and chapter.mdx), with the lab's names filled in.
//
// What it fills in: <topic>, <lab> and <LAB>, the chapter path docs/NN-part/NN-page.mdx, and the
// shellcheck directives written "source=A # in labs/<topic>/<lab>/ this is B" (it keeps B). Lines
// (or MDX/HTML comment blocks) that start with TEMPLATE: are instructions for this copy and are
// dropped. Every other <…> (and every TODO of the page) is left for the contributor to write; the
// content tests (tests/content/templates.test.ts) list what is left.
import fs from 'node:fs';
import path from 'node:path';
import {parts} from '../data/parts';

export class ScaffoldError extends Error {}

export const USAGE = `usage:
  npm run new -- lab <topic>/<lab> --chapter <NN-part>/<NN-page>
  npm run new -- chapter <NN-part>/<NN-page> --lab <topic>/<lab>
Each makes what does not exist yet of the two: the lab folder labs/<topic>/<lab>/ and the page
docs/<NN-part>/<NN-page>.mdx that shows it. Names are lowercase words joined by dashes
(labs/overlayfs/copy-up, docs/30-glue-filesystems/03-copy-on-write).`;

export type Request = {kind: 'lab' | 'chapter'; lab: string; chapter: string};
export type Result = {
  /** Paths created, relative to the repository root. */
  created: string[];
  /** Things to do by hand before the next commands (e.g. a block to add to an existing page). */
  todo: string[];
  /** The next three commands to run. */
  next: string[];
};

const WORD = '[a-z][a-z0-9]*(?:-[a-z0-9]+)*';
const LAB_NAME = new RegExp(`^(${WORD})/(${WORD})$`);
const NUMBERED = `[0-9]{2}-${WORD}`;
const CHAPTER_NAME = new RegExp(`^(?:docs/)?(${NUMBERED})/(${NUMBERED})(?:\\.mdx)?$`);
export const TEMPLATE_DIR = 'labs/_template';
/** The template's files that make a lab folder (chapter.mdx makes the page). */
export const LAB_FILES = ['lab.manifest', 'README.md', 'run.sh', 'cleanup.sh', 'expected-output.txt'] as const;

/** Parse the command line (what follows `npm run new --`). */
export function parseArgs(argv: string[]): Request {
  const [kind, name, ...rest] = argv;
  if (kind !== 'lab' && kind !== 'chapter') throw new ScaffoldError(`say what to make: lab or chapter\n${USAGE}`);
  if (!name || name.startsWith('-')) throw new ScaffoldError(`name the ${kind} to make\n${USAGE}`);
  const flag = kind === 'lab' ? '--chapter' : '--lab';
  let other: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] ?? '';
    if (arg === flag) other = rest[++i];
    else if (arg.startsWith(`${flag}=`)) other = arg.slice(flag.length + 1);
    else throw new ScaffoldError(`unexpected argument '${arg}'\n${USAGE}`);
  }
  if (!other) {
    throw new ScaffoldError(
      kind === 'lab'
        ? `say which page teaches the lab: ${flag} <NN-part>/<NN-page> (an existing page, or a new one to make)\n${USAGE}`
        : `say which lab the page shows: ${flag} <topic>/<lab> (an existing lab, or a new one to make); every teaching page shows a lab\n${USAGE}`,
    );
  }
  return kind === 'lab' ? {kind, lab: name, chapter: other} : {kind, lab: other, chapter: name};
}

type Names = {topic: string; lab: string; part: string; page: string; chapterPath: string};

function checkNames(req: Request): Names {
  const lab = LAB_NAME.exec(req.lab);
  if (!lab) {
    throw new ScaffoldError(
      `'${req.lab}' is not a lab name: write <topic>/<lab>, lowercase words joined by dashes (overlayfs/copy-up)`,
    );
  }
  const chapter = CHAPTER_NAME.exec(req.chapter);
  if (!chapter) {
    throw new ScaffoldError(
      `'${req.chapter}' is not a page name: write <NN-part>/<NN-page>, two digits then lowercase words joined by dashes (30-glue-filesystems/03-copy-on-write)`,
    );
  }
  const [, topic = '', name = ''] = lab;
  const [, part = '', page = ''] = chapter;
  if (part.startsWith('00-') || part.startsWith('99-') || /summary$/.test(page)) {
    throw new ScaffoldError(
      `docs/${part}/${page}.mdx is an intro, summary or appendix page: those show no lab and have no fixed form; copy a neighbour such as docs/10-silos-isolation/09-summary.mdx`,
    );
  }
  return {topic, lab: name, part, page, chapterPath: `docs/${part}/${page}.mdx`};
}

/** A template's text with the lab's names filled in and its TEMPLATE instructions dropped. */
export function fill(text: string, names: Pick<Names, 'topic' | 'lab' | 'chapterPath'>): string {
  const out: string[] = [];
  let skipping: string | null = null; // the end marker of a TEMPLATE comment block being dropped
  for (const line of text.split('\n')) {
    if (skipping) {
      if (line.includes(skipping)) skipping = null;
      continue;
    }
    const open = /^\s*(#|<!--|\{\/\*)\s*TEMPLATE:/.exec(line);
    if (open) {
      const end = open[1] === '<!--' ? '-->' : open[1] === '{/*' ? '*/}' : null;
      if (end && !line.includes(end)) skipping = end;
      continue;
    }
    out.push(line);
  }
  return out
    .join('\n')
    .replace(/source=\S+ # in labs\/<topic>\/<lab>\/ this is (\S+)/g, 'source=$1')
    .replaceAll('docs/NN-part/NN-page.mdx', names.chapterPath)
    .replaceAll('<topic>', names.topic)
    .replaceAll('<lab>', names.lab)
    .replaceAll('<LAB>', names.lab.toUpperCase());
}

/** The placeholders a contributor must write: every <…> of a filled template file (not <…> itself). */
export function placeholders(filled: string): string[] {
  return [...new Set([...filled.matchAll(/<[^<>\s][^<>]*>/g)].map((m) => m[0]).filter((p) => p !== '<…>' && p !== '<rootDir>'))];
}

/** The block of the template page that shows the lab: RunLab and the two file= fences. */
export function runLabBlock(root: string, names: Pick<Names, 'topic' | 'lab' | 'chapterPath'>): string {
  const page = fill(fs.readFileSync(path.join(root, TEMPLATE_DIR, 'chapter.mdx'), 'utf8'), names).split('\n');
  const start = page.findIndex((l) => l.startsWith('<RunLab'));
  const last = page.findIndex((l) => l.includes('/expected-output.txt'));
  if (start < 0 || last < start) throw new Error(`${TEMPLATE_DIR}/chapter.mdx: the <RunLab> line and the expected-output.txt fence are missing`);
  return page.slice(start, last + 2).join('\n');
}

/** Make what is missing of the lab and its page under root; refuse, changing nothing, when the target exists. */
export function scaffold(root: string, req: Request): Result {
  const names = checkNames(req);
  const labDir = `labs/${names.topic}/${names.lab}`;
  const labExists = fs.existsSync(path.join(root, labDir));
  const pageExists = fs.existsSync(path.join(root, names.chapterPath));
  const partDir = `docs/${names.part}`;
  const created: string[] = [];
  const todo: string[] = [];

  if (req.kind === 'lab' && labExists) throw new ScaffoldError(`${labDir} exists already: pick another name, or edit it`);
  if (req.kind === 'chapter' && pageExists) throw new ScaffoldError(`${names.chapterPath} exists already: pick another name, or edit it`);
  if (!labExists) {
    // Tags, namespaces, links and cgroups are named cfs-<lab>: two labs of one name would clean up each other's.
    const clash = fs
      .readdirSync(path.join(root, 'labs'), {withFileTypes: true})
      .filter((d) => d.isDirectory() && fs.existsSync(path.join(root, 'labs', d.name, names.lab)))
      .map((d) => `labs/${d.name}/${names.lab}`);
    if (clash.length > 0) {
      throw new ScaffoldError(`${clash.join(', ')} exists already: a lab's name is unique across topics (what it creates is named cfs-${names.lab}-…)`);
    }
  }
  const partExists = fs.existsSync(path.join(root, partDir));
  const part = parts.find((p) => p.folder === names.part);
  if (!pageExists && !partExists && !part) {
    throw new ScaffoldError(
      `${partDir} does not exist and is not a part of the outline (src/data/parts.ts): one of ${parts.map((p) => p.folder).join(', ')}`,
    );
  }

  if (!pageExists) {
    if (!partExists && part) {
      const category = {
        label: part.title,
        position: Number(names.part.slice(0, 2)),
        link: {type: 'generated-index', description: part.summary},
      };
      write(root, `${partDir}/_category_.json`, `${JSON.stringify(category, null, 2)}\n`, created);
      if (!part.start) {
        todo.push(
          `${names.part} is a new part: set its start: '${route(names)}' in src/data/parts.ts (the part's first page; until then the home page lists the part as "being written", without a link)`,
        );
      }
    }
    write(root, names.chapterPath, fill(read(root, 'chapter.mdx'), names), created);
  }
  if (!labExists) {
    for (const file of LAB_FILES) {
      const text = fill(read(root, file), names);
      write(root, `${labDir}/${file}`, file === 'lab.manifest' ? alignComments(text) : text, created);
    }
  } else if (req.kind === 'chapter') {
    todo.push(`${names.chapterPath} shows ${labDir}, whose lab.manifest names its own chapter: keep one page as the lab's "chapter:"`);
  }
  if (pageExists) {
    todo.push(`add to the "## Run the lab" section of ${names.chapterPath}:\n\n${runLabBlock(root, names)}`);
  }
  todo.push(
    `write ${labDir}/run.sh's main (stdout: facts only; the harness interrupts it half-way through its output, so it must still be working then), ` +
      `declare in lab.manifest what it needs and creates, then the prose: every <…> of README.md and every TODO of ${names.chapterPath}`,
  );
  if (/^(10|20|30|60)-/.test(names.part)) {
    todo.push(`end ${names.chapterPath} with a <SelfCheck> of 3-5 questions answered from the page (tests/content/selfcheck.test.ts requires one in parts 10, 20, 30 and 60; see any page there)`);
  }
  todo.push(`once the lab passes: sudo scripts/record-casts.sh ${names.topic}/${names.lab} records the replay its page plays (${labDir}/run.cast); commit it with the lab`);
  return {
    created,
    todo,
    next: [
      `sudo flock /run/lock/cfs-labs.lock ${labDir}/run.sh > ${labDir}/expected-output.txt   # then read it`,
      `sudo scripts/test-all.sh lab ${names.topic}/${names.lab}`,
      `npm start   # and read ${names.chapterPath} in the browser`,
    ],
  };
}

/** The page's address on the site: Docusaurus drops the number prefixes of folders and files. */
export function route(names: Pick<Names, 'part' | 'page'>): string {
  const bare = (s: string): string => s.replace(/^[0-9]+-/, '');
  return `/docs/${bare(names.part)}/${bare(names.page)}`;
}

/** Line up the trailing comments of a manifest again, at the column the template has them. */
export function alignComments(text: string, column = 43): string {
  return text.replace(/^(.*?\S) {2,}(# .*)$/gm, (_, code: string, comment: string) => `${code.padEnd(column - 1)} ${comment}`);
}

function read(root: string, file: string): string {
  return fs.readFileSync(path.join(root, TEMPLATE_DIR, file), 'utf8');
}

function write(root: string, file: string, text: string, created: string[]): void {
  const target = path.join(root, file);
  fs.mkdirSync(path.dirname(target), {recursive: true});
  fs.writeFileSync(target, text, {flag: 'wx', mode: file.endsWith('.sh') ? 0o755 : 0o644});
  // The mode given to writeFile is masked by the umask; the scripts must be executable whatever it is.
  if (file.endsWith('.sh')) fs.chmodSync(target, 0o755);
  created.push(file);
}
