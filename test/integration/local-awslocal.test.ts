/**
 * `npm run awslocal` (local/services/localstack/awslocal.ts): the project's `awslocal` against the
 * test run's LocalStack, as the docs use it; and one line when nothing answers.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CreateSecretCommand, DeleteSecretCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, inject, it } from 'vitest';
import { secretsClient } from '../../local/services/localstack/secrets.js';
import { freePort } from '../../local/services/setup-error.js';
import { nonBlankLines, runToEnd } from '../support/processes.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const awslocal = (args: string[], env: Record<string, string>) =>
  runToEnd(process.execPath, [join(ROOT, 'local', 'services', 'bootstrap.mjs'), 'tsx', 'local/services/localstack/awslocal.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });

describe('npm run awslocal', () => {
  it('is the command the docs show', async () => {
    const { scripts } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts.awslocal).toBe('node local/services/bootstrap.mjs tsx local/services/localstack/awslocal.ts');
  });

  it('lists and reads the secrets of the LocalStack AWS_ENDPOINT_URL names', { timeout: 120_000 }, async () => {
    const endpoint = inject('awsEndpoint');
    const client = secretsClient(endpoint);
    const name = `order-pipeline/awslocal-test-${randomUUID().slice(0, 8)}`;
    await client.send(new CreateSecretCommand({ Name: name, SecretString: '{"username":"orders_reader"}' }));
    try {
      const list = await awslocal(['secretsmanager', 'list-secrets', '--query', 'SecretList[].Name', '--output', 'text'], {
        AWS_ENDPOINT_URL: endpoint,
      });
      expect(list.stderr).toBe('');
      expect(list.code).toBe(0);
      expect(list.stdout.split(/\s+/)).toContain(name);
      const read = await awslocal(
        ['secretsmanager', 'get-secret-value', '--secret-id', name, '--query', 'SecretString', '--output', 'text'],
        {
          AWS_ENDPOINT_URL: endpoint,
        },
      );
      expect(JSON.parse(read.stdout)).toEqual({ username: 'orders_reader' });
    } finally {
      await client.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
      client.destroy();
    }
  });

  it('says in one line that nothing answers, and how to fix it', async () => {
    const port = await freePort();
    const run = await awslocal(['secretsmanager', 'list-secrets'], { AWS_ENDPOINT_URL: '', LOCALSTACK_PORT: String(port) });
    expect(run.code).toBe(1);
    expect(nonBlankLines(run.stderr)).toEqual([
      `LocalStack is not reachable: nothing answers at http://127.0.0.1:${port}. Fix: start \`npm start\` first, or set AWS_ENDPOINT_URL (or LOCALSTACK_PORT) to the LocalStack you run`,
    ]);
  });
});
