/**
 * Cognito's pre-token-generation trigger (event version 2, which may change access tokens; it
 * needs the Essentials or Plus feature plan:
 * docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html).
 *
 * Every signed-in user gets `orders/read` from the page's app client. The other scopes go to
 * members of a Cognito group only, so that the scopes belong to people, not to app clients (whose
 * ids are public). A pure function of the event and its configuration (the group-to-scope table).
 */
import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { SCOPES, type Scope } from '../../shared/http/routes.js';

export const SCOPE_GROUPS: Readonly<Record<string, Scope>> = {
  'orders-admin': SCOPES.admin,
  'orders-writer': SCOPES.write,
};

export interface PreTokenConfig {
  /** Which Cognito group grants which scope. */
  scopeGroups: Readonly<Record<string, Scope>>;
}

/** The extra scopes of a user in `groups`, in a stable order. */
export function scopesForGroups(groups: readonly string[], scopeGroups: PreTokenConfig['scopeGroups'] = SCOPE_GROUPS): Scope[] {
  const granted = new Set(groups.flatMap((group) => (Object.hasOwn(scopeGroups, group) ? [scopeGroups[group]!] : [])));
  return Object.values(SCOPES).filter((scope) => granted.has(scope));
}

/** No dependencies: the trigger reads nothing but the event. */
export function createPreTokenHandler({ scopeGroups }: PreTokenConfig) {
  return async (event: PreTokenGenerationV2TriggerEvent): Promise<PreTokenGenerationV2TriggerEvent> => {
    const scopesToAdd = scopesForGroups(event.request.groupConfiguration.groupsToOverride ?? [], scopeGroups);
    event.response = { claimsAndScopeOverrideDetails: { accessTokenGeneration: { scopesToAdd } } };
    return event;
  };
}
