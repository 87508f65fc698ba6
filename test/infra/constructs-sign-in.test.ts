/**
 * The smoke test's machine caller in the synthesized templates: a Cognito app client with the
 * client credentials grant and only the scopes `npm run smoke -- --stack` asks for
 * (local/tools/smoke/stack-target.ts), accepted by the JWT authorizer, found by a stack output.
 * Three variants: the default (POST /orders with IAM), POST /orders with a JWT, and an external
 * issuer (no user pool, so no app client). Bundling is skipped: the code is not under test here.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { smokeScopes } from '../../local/tools/smoke/stack-target.js';
import { SCOPES } from '../../shared/http/routes.js';
import { resourcesOf, synthPipeline } from './synth.js';

let iam: Template;
let jwt: Template;
let external: Template;

beforeAll(() => {
  iam = synthPipeline({}, { bundle: false }).template;
  jwt = synthPipeline({ submitAuth: 'jwt' }, { bundle: false }).template;
  external = synthPipeline(
    {
      authIssuer: 'https://login.example.com/realms/orders',
      authAudience: 'client-a',
      authAuthorizeUrl: 'https://login.example.com/auth',
      authTokenUrl: 'https://login.example.com/token',
    },
    { bundle: false },
  ).template;
}, 180_000);

type Client = [string, Record<string, unknown>];
const machineClients = (template: Template): Client[] =>
  resourcesOf(template, 'AWS::Cognito::UserPoolClient').filter(
    ([, client]) => JSON.stringify(client.AllowedOAuthFlows) === '["client_credentials"]',
  );

/** `orders/read` from `{ "Fn::Join": ["", [{ "Ref": <resource server> }, "/read"]] }`. */
function scopeNames(client: Record<string, unknown>): string[] {
  return (client.AllowedOAuthScopes as unknown[]).map((scope) => {
    const join = (scope as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (!join) throw new Error(`unexpected scope ${JSON.stringify(scope)}`);
    return join[1].map((part) => (typeof part === 'string' ? part : 'orders')).join(join[0]);
  });
}

describe('smoke-test app client', () => {
  it('is one client with a generated secret and the client credentials grant only', () => {
    const clients = machineClients(iam);
    expect(clients).toHaveLength(1);
    const [, client] = clients[0]!;
    expect(client).toMatchObject({
      GenerateSecret: true,
      AllowedOAuthFlowsUserPoolClient: true,
      SupportedIdentityProviders: ['COGNITO'],
      PreventUserExistenceErrors: 'ENABLED',
    });
    // No user sign-in through it (no SRP, password or custom flows).
    expect(client.ExplicitAuthFlows).toEqual(['ALLOW_REFRESH_TOKEN_AUTH']);
    expect(client).not.toHaveProperty('CallbackURLs');
    expect(client).toMatchObject({ AccessTokenValidity: 15, TokenValidityUnits: { AccessToken: 'minutes' } });
  });

  it('may ask for orders/read only when POST /orders takes SigV4, and for orders/write too when it takes a JWT', () => {
    const [[, iamClient]] = machineClients(iam) as [Client];
    const [[, jwtClient]] = machineClients(jwt) as [Client];
    expect(scopeNames(iamClient)).toEqual([SCOPES.read]);
    expect(scopeNames(jwtClient).sort()).toEqual([SCOPES.read, SCOPES.write].sort());
    // Exactly what the smoke test asks for: Cognito refuses a scope the client does not allow.
    expect(scopeNames(iamClient)).toEqual(smokeScopes('iam'));
    expect(scopeNames(jwtClient).sort()).toEqual([...smokeScopes('jwt')].sort());
    expect(JSON.stringify([iamClient, jwtClient])).not.toContain(SCOPES.admin.split('/')[1]);
  });

  it('is an audience of the JWT authorizer (its tokens carry the client id in client_id) and the SmokeClientId output', () => {
    const [[id]] = machineClients(iam) as [Client];
    const [, authorizer] = resourcesOf(iam, 'AWS::ApiGatewayV2::Authorizer')[0]!;
    expect((authorizer.JwtConfiguration as { Audience: unknown[] }).Audience).toContainEqual({ Ref: id });
    iam.hasOutput('SmokeClientId', { Value: { Ref: id } });
    // The secret is never an output.
    expect(JSON.stringify(iam.toJSON().Outputs)).not.toMatch(/ClientSecret/);
  });

  it('comes with the outputs the smoke test reads: API URL, submit auth, DLQ topic and brokers, pool and domain', () => {
    const outputs = ['ApiUrl', 'SubmitAuth', 'DlqTopic', 'KafkaBootstrapBrokers', 'UserPoolId', 'SignInDomain', 'SmokeClientId'];
    for (const output of outputs) iam.hasOutput(output, {});
    // The example brokers of the default context (infra/config.ts).
    const brokers = ['b-1', 'b-2'].map((broker) => `${broker}.orders.example.c1.kafka.eu-west-1.amazonaws.com:9098`).join(',');
    iam.hasOutput('KafkaBootstrapBrokers', { Value: brokers });
  });

  it('does not exist with an external issuer (the smoke test then takes SMOKE_ACCESS_TOKEN)', () => {
    expect(resourcesOf(external, 'AWS::Cognito::UserPoolClient')).toEqual([]);
    expect(Object.keys(external.toJSON().Outputs as object)).not.toContain('SmokeClientId');
  });
});
