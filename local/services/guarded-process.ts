/**
 * A long-running local server (the Kafka JVM, the PostgreSQL postmaster) under a small shell
 * guard in its own process group: when this Node process dies, even by SIGKILL, the guard's stdin
 * closes and it sends the server `signal`, so no server is left behind. `stop()` does the same on
 * purpose. Spawn failures ('error' events) end up in `exited` like any other exit.
 */
import { spawn } from 'node:child_process';

const GUARD = 'sig=$1; shift; exec 3<&0; "$@" </dev/null 3<&- & pid=$!; (read -r _ <&3; kill -"$sig" "$pid" 2>/dev/null) & wait "$pid"';

export interface GuardedProcessOptions {
  command: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Run as this user and group (root only). */
  uid?: number;
  gid?: number;
  /** The signal that stops the server cleanly (PostgreSQL: INT = fast shutdown; Kafka: TERM). */
  stopSignal: 'INT' | 'TERM';
  /** Every non-empty output line (stdout and stderr). */
  onLine?: (line: string) => void;
}

export interface GuardedProcess {
  isAlive(): boolean;
  /** The last output lines, and the spawn error if there was one. */
  output(): string;
  /** Resolves when the server (and its guard) has exited, however it ended. */
  readonly exited: Promise<void>;
  /** Asks the server to stop with its stop signal; SIGKILLs the group after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export function spawnGuarded({ command, args, cwd, env, uid, gid, stopSignal, onLine }: GuardedProcessOptions): GuardedProcess {
  const recent: string[] = [];
  const remember = (line: string) => {
    recent.push(line);
    if (recent.length > 60) recent.shift();
    onLine?.(line);
  };
  const child = spawn('/bin/sh', ['-c', GUARD, 'local-server-guard', stopSignal, command, ...args], {
    cwd,
    env: env ?? process.env,
    ...(uid === undefined ? {} : { uid }),
    ...(gid === undefined ? {} : { gid }),
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let alive = true;
  const exited = new Promise<void>((resolve) => {
    const done = () => {
      if (!alive) return;
      alive = false;
      child.stdin?.end(); // lets the guard's watcher exit too
      resolve();
    };
    child.once('exit', done);
    child.once('error', (error: NodeJS.ErrnoException) => {
      remember(`could not run ${command}: ${error.code ?? error.message}`);
      done();
    });
  });
  // A closed pipe (the guard already gone) must not become an unhandled 'error' event.
  child.stdin?.on('error', () => undefined);
  let partial = '';
  const collect = (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) remember(line);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  // Keep the guard's stdin open without keeping this process alive.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();

  return {
    isAlive: () => alive,
    output: () => [...recent, partial].filter(Boolean).join('\n'),
    exited,
    async stop(graceMs = 20_000) {
      if (!alive) return;
      // Until it has exited, the server keeps this process alive: otherwise, once the SIGKILL
      // below has fired, nothing would, and Node could end before the caller learns of the exit.
      child.ref();
      child.stdin?.end();
      const killer = setTimeout(() => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, graceMs);
      await exited;
      clearTimeout(killer);
    },
  };
}
