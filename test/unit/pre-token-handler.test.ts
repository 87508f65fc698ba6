import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createPreTokenHandler, SCOPE_GROUPS, scopesForGroups } from '../../functions/pre-token/pre-token.js';
import { SCOPES } from '../../shared/http/routes.js';

/** The Cognito trigger that turns group membership into scopes (no AWS needed: it is a pure function of the event). */
function event(groups: string[]): PreTokenGenerationV2TriggerEvent {
  return {
    version: '2',
    triggerSource: 'TokenGeneration_HostedAuth',
    region: 'eu-west-1',
    userPoolId: 'eu-west-1_example',
    userName: 'alice',
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: 'page-client' },
    request: {
      userAttributes: { email: 'alice@example.com' },
      groupConfiguration: { groupsToOverride: groups, iamRolesToOverride: [] },
      scopes: ['openid', SCOPES.read],
    },
    response: { claimsAndScopeOverrideDetails: {} },
  } as PreTokenGenerationV2TriggerEvent;
}

const handler = createPreTokenHandler({ scopeGroups: SCOPE_GROUPS });

describe('pre-token-generation trigger', () => {
  it('grants from the table its instance was built with', async () => {
    const custom = createPreTokenHandler({ scopeGroups: { auditors: SCOPES.admin } });
    const added = async (groups: string[]) =>
      (await custom(event(groups))).response.claimsAndScopeOverrideDetails.accessTokenGeneration?.scopesToAdd;
    expect(await added(['auditors', 'orders-admin'])).toEqual([SCOPES.admin]);
    expect(await added(['orders-writer'])).toEqual([]);
  });

  it('adds nothing for a user in no group: orders/read comes from the app client', async () => {
    const result = await handler(event([]));
    expect(result.response.claimsAndScopeOverrideDetails.accessTokenGeneration?.scopesToAdd).toEqual([]);
  });

  it('adds orders/admin to members of orders-admin and orders/write to members of orders-writer', async () => {
    expect((await handler(event(['orders-admin']))).response.claimsAndScopeOverrideDetails.accessTokenGeneration?.scopesToAdd).toEqual([
      SCOPES.admin,
    ]);
    expect(scopesForGroups(['orders-writer', 'orders-admin'])).toEqual([SCOPES.write, SCOPES.admin]);
  });

  it('ignores other groups, and names that only look like them', () => {
    expect(scopesForGroups(['staff', 'orders-admins', 'toString', '__proto__'])).toEqual([]);
  });
});
