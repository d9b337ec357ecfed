import {describe, expect, it} from 'vitest';
import {commandsOf, copyText} from './prompt-copy';

describe('copy buttons copy commands, not prompts or output', () => {
  it('keeps the commands of a $ transcript, without the prompts and the output', () => {
    expect(commandsOf('$ uname -r\n6.1.0-27-amd64\n$ stat -fc %T /sys/fs/cgroup\ncgroup2fs')).toBe('uname -r\nstat -fc %T /sys/fs/cgroup');
  });

  it('knows the root prompt # and keeps comments after a command', () => {
    expect(commandsOf('# echo 100 > /sys/fs/cgroup/demo/pids.max\n# echo $$ > cgroup.procs     # this shell\n')).toBe(
      'echo 100 > /sys/fs/cgroup/demo/pids.max\necho $$ > cgroup.procs     # this shell',
    );
  });

  it('keeps the lines a backslash continues, even when they look like output', () => {
    expect(commandsOf('$ sudo flock /run/lock/x \\\n  labs/a/run.sh > out\nfact: 1')).toBe('sudo flock /run/lock/x \\\n  labs/a/run.sh > out');
  });

  it('leaves a block without prompts as it is', () => {
    expect(commandsOf('just output\nmore')).toBe('just output\nmore');
  });

  it('changes only transcripts (console, shell-session), not bash blocks', () => {
    expect(copyText('$ ls\nfile', 'console')).toBe('ls');
    expect(copyText('$ ls\nfile', 'shell-session')).toBe('ls');
    expect(copyText('echo "$ x"\n# a comment', 'bash')).toBe('echo "$ x"\n# a comment');
    expect(copyText('$ ls', undefined)).toBe('$ ls');
  });
});
