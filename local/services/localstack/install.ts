/**
 * Installs (or checks) the project's LocalStack virtual environment ahead of `npm start` and the
 * tests, which would otherwise do it on first use: `.ci/run` runs it as a step of its own.
 */
import { renderSetupError } from '../setup-error.js';
import { ensureVenv } from './venv.js';

ensureVenv({ onInstall: (venv) => process.stdout.write(`installing LocalStack into ${venv}...\n`) }).then(
  (venv) => process.stdout.write(`LocalStack is installed in ${venv}\n`),
  (error: unknown) => {
    process.stderr.write(`${renderSetupError(error, 'LocalStack install')}\n`);
    process.exit(1);
  },
);
