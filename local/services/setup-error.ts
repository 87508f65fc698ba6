/**
 * The one error every local part (PostgreSQL, Kafka, the gateway, ...) throws when it cannot
 * start: which part, why, and what the user can do. `npm start`, `npm run kafka` and the test
 * setup render it as one line (renderSetupError), never as a stack trace. Its kind is `defect`:
 * a setup that cannot start (a taken port, a missing tool, a bad variable) is a misconfiguration
 * that waiting does not mend; the remedy says what to change.
 */
import net from 'node:net';
import { PipelineError } from '../../shared/errors.js';

export class LocalSetupError extends PipelineError {
  override readonly name = 'LocalSetupError';
  constructor(
    /** The part that could not start, e.g. "PostgreSQL", "Kafka", "API gateway". */
    readonly part: string,
    /** One line: what went wrong. */
    readonly reason: string,
    /** One line: what to do about it. */
    readonly remedy: string,
    /** What happened to the part: it could not start, it stopped while running, or a tool cannot reach it. */
    readonly failure: 'could not start' | 'stopped' | 'is not reachable' = 'could not start',
  ) {
    super('defect', `${part}: ${reason}. ${remedy}`);
  }
}

/** The one line shown for a failed start; other errors are shown by their message alone. */
export function renderSetupError(error: unknown, context = 'local setup'): string {
  if (error instanceof LocalSetupError) return `${error.part} ${error.failure}: ${oneLine(error.reason)}. Fix: ${oneLine(error.remedy)}`;
  const message = error instanceof Error ? error.message : String(error);
  return `${context} failed: ${oneLine(message)}`;
}

/** Collapses text to its first non-empty line, without trailing punctuation. */
export function oneLine(text: string): string {
  const line = text.split('\n').find((candidate) => candidate.trim() !== '') ?? '';
  return line.trim().replace(/[.\s]+$/, '');
}

/**
 * The most telling line of a tool's output: the last line that looks like an error (the first
 * for tools such as Maven that put the cause first and advice after it), else the last line.
 */
export function telltaleLine(output: string, which: 'first' | 'last' = 'last'): string {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const errors = lines.filter((line) => /\b(FATAL|ERROR|PANIC)\b|Exception\b|\berror:/.test(line));
  return (which === 'first' ? errors[0] : errors.at(-1)) ?? lines.at(-1) ?? '(no output)';
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Throws a LocalSetupError for `part` when `port` on 127.0.0.1 is taken. */
export async function assertPortFree(port: number, part: string, remedy: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new LocalSetupError(
          part,
          `port ${port} on 127.0.0.1 is ${error.code === 'EADDRINUSE' ? 'taken by another program' : `not usable (${error.code ?? error.message})`}`,
          remedy,
        ),
      ),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

/** A port number from the environment, or a LocalSetupError naming the variable. */
export function portFromEnv(name: string, fallback: number, part: string, env: NodeJS.ProcessEnv = process.env): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new LocalSetupError(
      part,
      `${name}=${JSON.stringify(text)} is not a port number`,
      `set ${name} to a number from 1 to 65535 (0 picks a free port), or unset it`,
    );
  }
  return port;
}
