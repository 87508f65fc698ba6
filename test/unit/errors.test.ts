import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidCursorError } from '../../shared/http/cursor.js';
import { IngestDefect } from '../../functions/ingest/result.js';
import { InitError } from '../../local/emulators/lambda/environment.js';
import { FunctionError, TooManyRequestsError } from '../../local/emulators/lambda/errors.js';
import { LocalSetupError } from '../../local/services/setup-error.js';
import { TokenRequestError } from '../../local/tools/client-credentials.js';
import { ConfigError } from '../../shared/config.js';
import { RolePasswordError } from '../../shared/db/migrate.js';
import { TransactionRolledBack } from '../../shared/db/orders.js';
import { type ErrorKind, PipelineError } from '../../shared/errors.js';
import { ApiError } from '../../shared/http/errors.js';
import { InvalidKafkaEventError } from '../../shared/kafka/event.js';
import { BrokerUnavailableError } from '../../shared/kafka/producer.js';

const ROOT = join(import.meta.dirname, '..', '..');
/** The base itself, and the hand-written Secrets Manager client that the AWS SDK's client replaces (its errors replace SecretsManagerError). */
const EXEMPT: ReadonlySet<string> = new Set([join('shared', 'errors.ts')]);
const body = { errorType: 'Runtime.ImportModuleError', errorMessage: 'no handler' };

describe('the one error model (shared/errors.ts)', () => {
  it.each<[string, PipelineError, ErrorKind, boolean]>([
    ['ConfigError', new ConfigError('database configuration: DATABASE_URL: required'), 'defect', false],
    ['InvalidCursorError', new InvalidCursorError('cursor is not base64url'), 'data', false],
    ['IngestDefect', new IngestDefect('no result'), 'defect', false],
    ['InvalidKafkaEventError', new InvalidKafkaEventError('not a Kafka event'), 'defect', false],
    ['BrokerUnavailableError', new BrokerUnavailableError('could not write'), 'unavailable', true],
    ['TransactionRolledBack', new TransactionRolledBack('COMMIT answered ROLLBACK'), 'defect', false],
    ['RolePasswordError', new RolePasswordError('not printable'), 'defect', false],
    ['LocalSetupError', new LocalSetupError('Kafka', 'port taken', 'free it'), 'defect', false],
    ['InitError', new InitError(body), 'defect', false],
    ['FunctionError', new FunctionError('ingest', body), 'defect', false],
    ['TooManyRequestsException', new TooManyRequestsError('ingest', 1), 'unavailable', true],
    ['TokenRequestError', new TokenRequestError('credentials', 'answered 401'), 'credentials', true],
    ['ApiError', new ApiError(503, 'service_unavailable', 'try again'), 'unavailable', true],
  ])('%s is a PipelineError with its name, kind and retryable', (name, error, kind, retryable) => {
    expect(error).toBeInstanceOf(PipelineError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name, kind, retryable });
    expect(String(error)).toMatch(new RegExp(`^${name}: `));
  });

  it('is the only base: no class of functions/, shared/, local/ or the test kit extends Error directly', async () => {
    const offenders: string[] = [];
    for (const dir of ['functions', 'shared', 'local', 'test']) {
      for (const entry of await readdir(join(ROOT, dir), { recursive: true, withFileTypes: true })) {
        // Tests may build errors the way a library does; the code and the test kit may not.
        if (!entry.isFile() || !/\.(ts|mjs|js)$/.test(entry.name) || entry.name.endsWith('.test.ts')) continue;
        const path = join(entry.parentPath, entry.name);
        if (EXEMPT.has(relative(ROOT, path))) continue;
        const text = await readFile(path, 'utf8');
        for (const match of text.matchAll(/class \w+ extends (Error|TypeError|RangeError)\b/g)) {
          offenders.push(`${relative(ROOT, path)}: ${match[0]}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
