/**
 * `npm run awslocal -- <aws cli arguments>`: the AWS CLI (awscli-local's `awslocal`, from the
 * project's LocalStack virtual environment) against the LocalStack of `npm start`:
 * AWS_ENDPOINT_URL if set, else http://127.0.0.1:LOCALSTACK_PORT (default 4566), with the region
 * and dummy credentials the local functions use.
 *   npm run awslocal -- secretsmanager list-secrets
 */
import { spawn } from 'node:child_process';
import { portFromEnv, renderSetupError, LocalSetupError } from '../setup-error.js';
import { isLocalStack, PART } from './runtime.js';
import { localAwsEnv } from './secrets.js';
import { ensureVenv, venvBin } from './venv.js';

async function main(): Promise<number> {
  const endpoint = process.env.AWS_ENDPOINT_URL || `http://127.0.0.1:${portFromEnv('LOCALSTACK_PORT', 4566, PART)}`;
  const venv = await ensureVenv({ onInstall: (dir) => process.stderr.write(`installing LocalStack and awslocal into ${dir} (once)...\n`) });
  if (!(await isLocalStack(endpoint))) {
    throw new LocalSetupError(
      PART,
      `nothing answers at ${endpoint}`,
      'start `npm start` first, or set AWS_ENDPOINT_URL (or LOCALSTACK_PORT) to the LocalStack you run',
      'is not reachable',
    );
  }
  // Through the venv's Python, not the script's shebang: a shebang cannot name an interpreter
  // whose path holds a space (a clone under "My Projects/"), and pip writes it verbatim.
  const child = spawn(venvBin(venv, 'python'), [venvBin(venv, 'awslocal'), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, ...localAwsEnv(endpoint), DISABLE_DEPRECATION_NOTICE: '1' },
  });
  return new Promise((resolveExit) => child.once('close', (code) => resolveExit(code ?? 1)));
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${renderSetupError(error, 'awslocal')}\n`);
    process.exit(1);
  },
);
