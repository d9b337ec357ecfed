// No command in our shell scripts expands two substitutions ($( ), <( ), >( )): on bash 5.2 a
// SIGINT that lands during the first leaves the INT trap unparseable (src/lib/shell-substitutions.ts),
// so an interrupted lab would exit 2 instead of 130. Checked with Debian's shfmt.
import fs from 'node:fs';
import path from 'node:path';
import {globSync} from 'tinyglobby';
import {describe, expect, it} from 'vitest';
import {bashTree, findMultiSubstitutions} from '../../src/lib/shell-substitutions';
import {root} from './repo';

const files = globSync(['labs/**/*.sh', 'labs/*/*/mini-container', 'scripts/**/*.sh', 'tests/lib/*.sh'], {cwd: root}).sort();

describe('shell scripts: one substitution per command (bash 5.2 and SIGINT)', () => {
  it('there are scripts to check', () => expect(files.length).toBeGreaterThan(100));
  it.each(files)('%s: no command expands two substitutions', (file) => {
    const source = fs.readFileSync(path.join(root, file), 'utf8');
    const lines = findMultiSubstitutions(bashTree(source)).map((o) => `  ${file}:${o.line}: ${(source.split('\n')[o.line - 1] ?? '').trim()}`);
    expect(
      lines,
      `these commands expand two or more $( ), <( ) or >( ) each. On bash 5.2 a Ctrl-C during the first leaves the INT trap unparseable and the script exits 2 instead of 130. Compute all but one into variables first (x=$(...) on its own line), or compare namespaces with [[ a -ef b ]]:\n${lines.join('\n')}`,
    ).toEqual([]);
  });
});
