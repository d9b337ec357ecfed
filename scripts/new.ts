// npm run new -- lab <topic>/<lab> --chapter <NN-part>/<NN-page>
// npm run new -- chapter <NN-part>/<NN-page> --lab <topic>/<lab>
// Make a lab and the page that teaches it from labs/_template/ (src/lib/scaffold.ts), then print
// what to write and the next three commands. Runs from the repository root (npm run sets it).
import path from 'node:path';
import {parseArgs, scaffold, ScaffoldError} from '../src/lib/scaffold';

function main(argv: string[]): number {
  const root = path.resolve(__dirname, '..');
  try {
    const result = scaffold(root, parseArgs(argv));
    console.log(`created:\n${result.created.map((f) => `  ${f}`).join('\n')}\n`);
    result.todo.forEach((t, i) => console.log(`${i === 0 ? 'now' : 'and'}: ${t}\n`));
    console.log(`then run, from ${path.relative(process.cwd(), root) || 'the repository root'}:`);
    for (const command of result.next) console.log(`  ${command}`);
    return 0;
  } catch (e) {
    if (!(e instanceof ScaffoldError)) throw e;
    console.error(`npm run new: ${e.message}`);
    return 2;
  }
}
process.exitCode = main(process.argv.slice(2));
