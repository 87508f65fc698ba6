// Prints the region a stage is pinned to (cdk.json "stages"), for the workflows' AWS credentials.
import { readFileSync } from 'node:fs';

const stage = process.argv[2];
const { context } = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8'));
const region = context?.stages?.[stage]?.region;
if (!region) {
  console.error(`stage "${stage}" has no region in cdk.json "stages" (docs/deploy.md "Stages")`);
  process.exit(1);
}
console.log(region);
