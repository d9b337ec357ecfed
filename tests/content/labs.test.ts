import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {exists, labs, read, root} from './repo';

const FILES = ['README.md', 'run.sh', 'cleanup.sh', 'expected-output.txt'];

describe('labs/: the lab contract', () => {
  it('there are labs at all', () => expect(labs.length).toBeGreaterThan(0));

  it.each(labs)('%s has README.md, run.sh, cleanup.sh and a non-empty expected-output.txt', (lab) => {
    for (const f of FILES) {
      const how = f === 'expected-output.txt' ? `run the lab as root and save its stdout: sudo flock /run/lock/cfs-labs.lock ${lab}/run.sh > ${lab}/expected-output.txt` : `copy labs/_template/${f}`;
      expect(exists(`${lab}/${f}`), `${lab}: create ${f} (${how})`).toBe(true);
    }
    expect(read(`${lab}/expected-output.txt`).trim(), `${lab}/expected-output.txt is empty: run the lab as root and save its stdout there`).not.toBe('');
  });

  it.each(labs.flatMap((lab) => ['run.sh', 'cleanup.sh'].map((f) => `${lab}/${f}`)))(
    '%s is an executable strict-mode script that sources scripts/common.sh and ends with main "$@"',
    (script) => {
      const mode = fs.statSync(path.join(root, script)).mode;
      expect(mode & 0o111, `${script}: chmod +x it`).not.toBe(0);
      const text = read(script);
      const lines = text.trimEnd().split('\n');
      expect(lines[0], `${script}: the first line must be #!/usr/bin/env bash`).toBe('#!/usr/bin/env bash');
      expect(text, `${script}: add "set -Eeuo pipefail" near the top`).toMatch(/^set -Eeuo pipefail$/m);
      expect(text, `${script}: source "$(dirname "\${BASH_SOURCE[0]}")/../../../scripts/common.sh"`).toMatch(
        /^source "\$\(dirname "\$\{BASH_SOURCE\[0\]\}"\)\/\.\.\/\.\.\/\.\.\/scripts\/common\.sh"$/m,
      );
      expect(text, `${script}: refuse early without root: call common::require_root in main`).toMatch(/common::require_root/);
      expect(lines.at(-1), `${script}: end with main "$@"`).toBe('main "$@"');
    },
  );

  it.each(labs)('%s/README.md says how to run it and links back to its chapter', (lab) => {
    const readme = read(`${lab}/README.md`);
    expect(readme, `${lab}/README.md: show the command "sudo ${lab}/run.sh"`).toContain(`sudo ${lab}/run.sh`);
    const chapters = [...readme.matchAll(/docs\/[\w/.-]+\.mdx/g)].map((m) => m[0]);
    expect(chapters, `${lab}/README.md: link the chapter that teaches this lab (its docs/…/NN-page.mdx path)`).not.toHaveLength(0);
    for (const c of chapters) expect(exists(c), `${lab}/README.md links ${c}, which does not exist`).toBe(true);
  });
});
