// What a code block's copy button copies: for a terminal transcript (```console, with `$ ` or,
// as root, `# ` prompts), only the commands, without their prompts or their output.

/** Languages whose blocks are transcripts: prompts, commands and output. */
export const TRANSCRIPT_LANGUAGES: ReadonlySet<string> = new Set(['console', 'shell-session']);

/**
 * The commands of a transcript: the lines that start with a prompt, without it, and the lines a
 * trailing backslash continues. Output lines are left out. Not a transcript (no prompt at all):
 * the text as it is.
 */
export function commandsOf(transcript: string): string {
  const out: string[] = [];
  let continued = false;
  for (const line of transcript.split('\n')) {
    const prompt = /^[$#] /.exec(line);
    if (continued || prompt) {
      out.push(continued ? line : line.slice(prompt![0].length));
      continued = /\\$/.test(line);
    }
  }
  return out.length ? out.join('\n') : transcript;
}

/** What the copy button of a block in LANGUAGE copies. */
export function copyText(code: string, language: string | undefined): string {
  return language && TRANSCRIPT_LANGUAGES.has(language) ? commandsOf(code) : code;
}
