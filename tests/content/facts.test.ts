// A lab's stdout is facts the lab observed: every line must be able to come out otherwise on a
// host that behaves otherwise. A line a run.sh echoes unconditionally with no expansion in it
// ("…: bound", "…: yes") is a conclusion, not an observation. This is a static heuristic: it
// flags `echo`/`printf` commands that write to stdout, contain no `$` (no variable, no command
// substitution) and sit outside any if/case/loop and any `&&`/`||` list.
import {describe, expect, it} from 'vitest';
import {labs, read} from './repo';

/**
 * Lines the heuristic flags although they are fine, with the reason. Keyed by lab, then by the
 * exact trimmed line, e.g. {'labs/x/y': {'echo "…"': 'why this literal is an observation'}}.
 * Empty today: every lab prints computed facts. Keep it short: prefer printing a computed value.
 *
 * What the heuristic cannot see (review those by hand): a literal inside an if/else branch
 * (`if …; then echo "…: refused (a map is written once)"`, the reason being the constant part),
 * a test that cannot fail (`[[ $pid == 1 ]] && echo yes || echo no` for a host PID), and a
 * `$CONSTANT` expansion that only repeats what the lab set.
 */
export const EXCEPTIONS: Record<string, Record<string, string>> = {};

/** Does this line open or close a block that makes what it contains conditional or repeated? */
const OPENERS = /^(if|case|for|while|until|select)\b/;
const CLOSERS = /^(fi|esac|done)\b/;

export type ConstantLine = {line: number; text: string};

/** The unconditional stdout echo/printf lines of a script that contain no expansion. */
export function constantFacts(script: string): ConstantLine[] {
  const found: ConstantLine[] = [];
  let depth = 0;
  script.split('\n').forEach((raw, i) => {
    const text = raw.trim();
    if (text === '' || text.startsWith('#')) return;
    const words = text.split(/\s*;\s*/);
    // One-line blocks (`if x; then echo y; fi`, `for …; do …; done`) open and close on one line.
    const opens = words.filter((w) => OPENERS.test(w)).length;
    const closes = words.filter((w) => CLOSERS.test(w)).length;
    const inBlock = depth > 0 || opens > 0;
    depth = Math.max(0, depth + opens - closes);
    const m = /^(?:echo|printf)\s+(.*)$/.exec(text);
    if (!m || inBlock) return;
    const rest = m[1] ?? '';
    if (rest.includes('$')) return; // expands something: computed
    if (/&&|\|\|/.test(rest)) return; // part of a list: printed or not depending on a command
    // Redirected (outside the quoted text) to stderr or to a file: not a fact on stdout.
    if (/>/.test(rest.replace(/"[^"]*"|'[^']*'/g, ''))) return;
    found.push({line: i + 1, text});
  });
  return found;
}

describe('labs/*/run.sh: every fact line is computed', () => {
  it('the heuristic flags a literal fact and passes computed or conditional ones', () => {
    const script = [
      'main() {',
      '  echo "a host listener on the same address and port: bound"',
      '  echo "answer: $(ask)"',
      '  if x; then',
      '    echo "refused"',
      '  fi',
      '  echo hello >"$dir/file"',
      '  echo "motd" >lower/etc/motd',
      '  echo "a -> b: yes"',
      '  echo "to stderr" >&2',
      '}',
    ].join('\n');
    expect(constantFacts(script)).toEqual([
      {line: 2, text: 'echo "a host listener on the same address and port: bound"'},
      {line: 9, text: 'echo "a -> b: yes"'},
    ]);
  });

  it.each(labs)('%s', (lab) => {
    const allowed = EXCEPTIONS[lab] ?? {};
    const bad = constantFacts(read(`${lab}/run.sh`)).filter((c) => !(c.text in allowed));
    expect(
      bad.map((c) => `${lab}/run.sh:${c.line}: ${c.text}`),
      `${lab}/run.sh prints a fact that cannot come out otherwise. Print what the lab observed ` +
        `instead: a value read from the kernel, or common::fact LABEL CMD (yes/no from a command). ` +
        `If the line is truly fine, add it with its reason to EXCEPTIONS in tests/content/facts.test.ts.`,
    ).toEqual([]);
  });
});
