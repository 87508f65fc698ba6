/**
 * `npm run smoke`: checks a running pipeline end to end (checks.ts) and exits 1 with one line
 * per failure on stderr; passed checks go to stdout. Without arguments it checks `npm start`
 * (PORT, AUTH_PORT, KAFKA_PORT / KAFKA_BROKERS as for `npm start`); with `--stack <name>` a
 * deployed stack (stack-target.ts). Exit 2: the arguments or the target could not be read.
 */
import { parseArgs } from 'node:util';
import { type CheckOutcome, runSmoke, type SmokeTarget } from './checks.js';
import { localTarget } from './local-target.js';

const usage = `usage: npm run smoke -- [--stack <name> [--region <region>] [--skip-dlq]] [--timeout-seconds 60]
  (no --stack)  checks npm start on PORT (3000), AUTH_PORT (3001), KAFKA_PORT (9092) or KAFKA_BROKERS
  --stack       checks the deployed stack of that name (its CloudFormation outputs; AWS credentials from the default chain)
  --skip-dlq    does not read the DLQ topic (MSK is reachable from inside its VPC only)
  SMOKE_ACCESS_TOKEN  a token for a stack with an external issuer (no smoke-test app client)`;

// kafkajs 2.2.4 arms a timer with a negative delay in its request queue (throttledUntil - now);
// Node 24 then warns (TimeoutNegativeWarning) and waits 1 ms, which is what kafkajs means. The
// warning is dropped so that stderr holds the failure lines only; every other warning is printed.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning') process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

function print(outcome: CheckOutcome): void {
  if (outcome.ok) process.stdout.write(`${outcome.skipped ? 'skip' : 'ok  '} ${outcome.check}: ${outcome.detail}\n`);
  else process.stderr.write(`${outcome.check}: ${outcome.detail}\n`);
}

async function target(values: { stack?: string | undefined; region?: string | undefined; 'skip-dlq': boolean }): Promise<SmokeTarget> {
  if (!values.stack) return localTarget();
  const accessToken = process.env.SMOKE_ACCESS_TOKEN?.trim();
  // Loaded only for a stack: the AWS SDK clients take a moment to import.
  const { stackTarget } = await import('./stack-target.js');
  return stackTarget({
    stackName: values.stack,
    skipDlq: values['skip-dlq'],
    ...(values.region ? { region: values.region } : {}),
    ...(accessToken ? { accessToken } : {}),
  });
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      stack: { type: 'string' },
      region: { type: 'string' },
      'skip-dlq': { type: 'boolean', default: false },
      'timeout-seconds': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const timeoutSeconds = Number(values['timeout-seconds'] ?? (values.stack ? 120 : 60));
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new Error(`--timeout-seconds must be a positive number\n${usage}`);
  const checked = await target(values);
  process.stdout.write(`smoke test of ${checked.label}\n`);
  const outcomes = await runSmoke(checked, { timeoutMs: timeoutSeconds * 1000 }, print);
  const failed = outcomes.filter((outcome) => !outcome.ok).length;
  const skipped = outcomes.filter((outcome) => outcome.skipped).length;
  const counts = `${outcomes.length} checks${skipped > 0 ? `, ${skipped} not run` : ''}`;
  process.stdout.write(failed === 0 ? `smoke test passed (${counts})\n` : `smoke test FAILED: ${failed} of ${counts}\n`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`smoke: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
