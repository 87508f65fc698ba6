/**
 * `node --import tsx infra/bundle-cli.ts <function> <outDir>`: one bundleFunction call (infra/bundle.ts) as a
 * process. CDK's local bundling hook is synchronous and esbuild's plugins run only in its asynchronous API, so
 * infra/constructs/pipeline-function.ts runs this and waits for it (as NodejsFunction waits for the esbuild CLI).
 */
import { bundleFunction, FUNCTION_NAMES, type FunctionName } from './bundle.js';

const [name, outDir] = process.argv.slice(2);
if (!FUNCTION_NAMES.includes(name as FunctionName) || !outDir) {
  process.stderr.write(`usage: bundle-cli.ts <${FUNCTION_NAMES.join('|')}> <outDir>\n`);
  process.exit(2);
}
await bundleFunction(name as FunctionName, outDir);
