// One command, one substitution: the rule that keeps a lab's Ctrl-C working on bash 5.2.
//
// Bash 5.2 (Debian 12's 5.2.15, Ubuntu 24.04's 5.2.21) runs a pending signal trap when it starts to
// parse a $( ), <( ) or >( ) during a word expansion, while its parser is still set up for that
// substitution (eval.c, parse_command, called by parse.y, xparse_dolparen). The trap's own text
// then fails to parse ("interrupt trap: line 2: unexpected EOF while looking for matching `)'"),
// the INT trap never runs, and the script exits 2 instead of 130. A trap is left pending that way
// when the signal lands while the shell reads the output of an earlier substitution of the same
// command: `echo "$(a) $(b)"` interrupted during a fails every time. Bash runs pending traps
// before and after each command, so the same two substitutions in two commands are safe.
// Bash 5.3 no longer runs traps there (parse_command skips them under PST_CMDSUBST).
//
// findMultiSubstitutions reads the syntax tree that `shfmt --to-json` prints (bashTree, with
// Debian's shfmt) and returns every command that expands two or more substitutions itself.
import {execFileSync} from 'node:child_process';

/** The syntax tree of a bash script, as `shfmt --to-json -ln bash` prints it. */
export function bashTree(source: string): unknown {
  return JSON.parse(execFileSync('shfmt', ['--to-json', '-ln', 'bash'], {input: source, encoding: 'utf8', maxBuffer: 64 << 20}));
}

type Node = {[key: string]: unknown};
export type Offender = {line: number; count: number};

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);
// In shfmt's tree a statement is the one kind of node without a Type that holds a command.
const isStmt = (n: Node): boolean => n.Type === undefined && 'Cmd' in n;
const isSubstitution = (n: Node): boolean => n.Type === 'CmdSubst' || n.Type === 'ProcSubst';

// The substitutions statement `stmt` expands itself: not those of the statements nested in it
// (each is a command of its own), nor those inside a substitution (they run in the child, where
// bash has reset the traps).
function ownSubstitutions(stmt: Node): number {
  const count = (v: unknown): number => {
    if (Array.isArray(v)) return v.reduce((sum: number, x) => sum + count(x), 0);
    if (!isNode(v) || isStmt(v)) return 0;
    if (isSubstitution(v)) return 1;
    return Object.values(v).reduce((sum: number, x) => sum + count(x), 0);
  };
  return Object.values(stmt).reduce((sum: number, x) => sum + count(x), 0);
}

/** Every statement (outside substitutions) that expands two or more substitutions itself. */
export function findMultiSubstitutions(tree: unknown): Offender[] {
  const found: Offender[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!isNode(v) || isSubstitution(v)) return;
    if (isStmt(v)) {
      const count = ownSubstitutions(v);
      const line = (v.Pos as {Line?: number} | undefined)?.Line ?? 0;
      if (count >= 2) found.push({line, count});
    }
    Object.values(v).forEach(walk);
  };
  walk(tree);
  return found;
}
