// The pre-token-generation trigger's entry point (infra/constructs/sign-in.ts); the trigger itself: pre-token.ts.
import { createPreTokenHandler, SCOPE_GROUPS } from './pre-token.js';

export { SCOPE_GROUPS, scopesForGroups } from './pre-token.js';
export const handler = createPreTokenHandler({ scopeGroups: SCOPE_GROUPS });
