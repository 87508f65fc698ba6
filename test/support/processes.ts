// A command run to its end as a child process, for tests of the CLIs (`npm start`, `npm run token`, `npm run smoke`):
// its exit code and what it printed.
import { spawn } from 'node:child_process';
import { once } from 'node:events';

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

export async function runToEnd(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Finished> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  // once() rejects on an 'error' event (the command is not runnable), so a failed spawn fails the test plainly.
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

/** The lines of `text` that hold more than whitespace. */
export const nonBlankLines = (text: string): string[] => text.split('\n').filter((line) => line.trim() !== '');
