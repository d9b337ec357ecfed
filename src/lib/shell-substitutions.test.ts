import {describe, expect, it} from 'vitest';
import {bashTree, findMultiSubstitutions} from './shell-substitutions';

// Debian's shfmt (scripts/deb-packages.txt) parses the snippets, as the content test does.
const offenders = (script: string): number[] => findMultiSubstitutions(bashTree(script)).map((o) => o.line);

describe('findMultiSubstitutions: commands that expand two substitutions themselves', () => {
  it('finds two in one word, in two words, in assignments and in a test', () => {
    expect(offenders('echo "a $(x) b $(y)"\n')).toEqual([1]);
    expect(offenders('true\ncmp "$(x)" <(y)\n')).toEqual([2]);
    expect(offenders('a=$(x) b=$(y)\n')).toEqual([1]);
    expect(offenders('local a=$(x) b=$(y)\n')).toEqual([1]);
    expect(offenders('[[ $(x) == "$(y)" ]] && z\n')).toEqual([1]);
    expect(offenders('for i in $(x) $(y); do :; done\n')).toEqual([1]);
  });
  it('finds them inside functions and in the body of loops', () => {
    expect(offenders('f() {\n  while :; do\n    echo "$(x)$(y)"\n  done\n}\n')).toEqual([3]);
  });
  it('finds them in a here-document, whose body the command expands', () => {
    expect(offenders('cat <<EOF\n$(x) $(y)\nEOF\n')).toEqual([1]);
  });
  it('accepts one per command, nested ones (the child runs them) and quoted text', () => {
    expect(offenders('a=$(x)\necho "a $a b $(y)"\n')).toEqual([]);
    expect(offenders('echo "$(x "$(y)" "$(z)")"\n')).toEqual([]);
    expect(offenders("echo '$(x) $(y)'\n")).toEqual([]);
    expect(offenders('x && echo "$(y)" || echo "$(z)"\n')).toEqual([]);
    expect(offenders('echo "$(x)" | grep "$(y)"\n')).toEqual([]);
    expect(offenders('echo "$((1 + 2)) $(x)"\n')).toEqual([]);
  });
});
