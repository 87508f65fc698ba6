import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { SCOPES, type Scope } from '../../shared/http/routes.js';

/**
 * Cognito's pre-token-generation trigger (event version 2, which may change access tokens; it
 * needs the Essentials or Plus feature plan:
 * docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html).
 *
 * Every signed-in user gets `orders/read` from the page's app client. The other scopes go to
 * members of a Cognito group only, so that the scopes belong to people, not to app clients (whose
 * ids are public).
 */
export const SCOPE_GROUPS: Readonly<Record<string, Scope>> = {
  'orders-admin': SCOPES.admin,
  'orders-writer': SCOPES.write,
};

/** The extra scopes of a user in `groups`, in a stable order. */
export function scopesForGroups(groups: readonly string[]): Scope[] {
  const granted = new Set(groups.flatMap((group) => (Object.hasOwn(SCOPE_GROUPS, group) ? [SCOPE_GROUPS[group]!] : [])));
  return Object.values(SCOPES).filter((scope) => granted.has(scope));
}

export async function handler(event: PreTokenGenerationV2TriggerEvent): Promise<PreTokenGenerationV2TriggerEvent> {
  const scopesToAdd = scopesForGroups(event.request.groupConfiguration.groupsToOverride ?? []);
  event.response = { claimsAndScopeOverrideDetails: { accessTokenGeneration: { scopesToAdd } } };
  return event;
}
