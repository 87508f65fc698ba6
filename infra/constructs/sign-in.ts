import { Aws, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { SCOPES, type Scope } from '../../shared/http/routes.js';
import { SCOPE_GROUPS } from '../../functions/pre-token/handler.js';
import type { PipelineConfig } from '../config.js';
import { acknowledge } from '../nag.js';
import { bundledFunctionProps } from './pipeline-function.js';

export interface SignInProps {
  config: PipelineConfig;
  /** The API's URL: the page lives at `/` and is the OAuth redirect target. */
  apiUrl: string;
}

/**
 * Who signs users in, for the HTTP API's JWT authorizer and the web page: by default an Amazon
 * Cognito user pool with a hosted sign-in domain; with `authIssuer` in context, that issuer.
 *
 * Cognito access tokens carry the app client's id in `client_id`, not `aud`; the HTTP API JWT
 * authorizer accepts a token whose `aud` or `client_id` matches one of its audiences, and checks
 * `iss`, `exp`, `nbf`, `iat`, the signature against the issuer's JWKS and the route's scopes
 * (docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html).
 */
export class SignIn extends Construct {
  readonly issuer: string;
  /** Accepted token audiences (`aud` or Cognito's `client_id`). */
  readonly audience: string[];
  /** What the page needs to sign in (served by the read function). */
  readonly pageEnvironment: Record<string, string>;
  readonly userPool?: cognito.UserPool;
  /** Cognito only: the page's and the smoke test's app client ids and the hosted sign-in URL. */
  readonly cognito?: { pageClientId: string; smokeClientId: string; domainUrl: string };

  constructor(scope: Construct, id: string, { config, apiUrl }: SignInProps) {
    super(scope, id);
    const auth = config.api.auth;
    if (auth.kind === 'external') {
      this.issuer = auth.issuer;
      this.audience = auth.audience;
      this.pageEnvironment = pageEnvironment(auth.issuer, auth.audience[0] ?? '', auth.authorizeUrl, auth.tokenUrl, auth.logoutUrl);
      return;
    }
    const pool = this.createUserPool(config);
    const server = pool.addResourceServer('Orders', {
      identifier: resourceServerIdentifier(),
      scopes: Object.values(SCOPES).map((scope) => ({ scopeName: scopeName(scope), scopeDescription: `${scope} on the orders API` })),
    });
    // One public client for the page (and scripts): it allows orders/read only; the other scopes
    // come from group membership (functions/pre-token/handler.ts), never from the client.
    const redirects = [`${apiUrl}/`, ...auth.extraCallbackUrls];
    // The page asks for exactly these (AUTH_SCOPES): Cognito refuses a scope the client does not allow.
    const pageScopes = [
      cognito.OAuthScope.OPENID,
      cognito.OAuthScope.EMAIL,
      cognito.OAuthScope.resourceServer(server, resourceScope(SCOPES.read)),
    ];
    const page = pool.addClient('Page', {
      generateSecret: false,
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: pageScopes,
        callbackUrls: redirects,
        logoutUrls: redirects,
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });
    for (const [groupName, scope] of Object.entries(SCOPE_GROUPS)) {
      pool.addGroup(groupName, { groupName, description: `Members get ${scope} in their access tokens` });
    }
    pool.addTrigger(cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, this.scopeTrigger(config), cognito.LambdaVersion.V2_0);
    const domain = pool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: auth.domainPrefix ?? `${config.appName}-${config.stage}-${Aws.ACCOUNT_ID}` },
    });
    const base = domain.baseUrl();
    const smoke = this.smokeClient(pool, server, config);
    this.userPool = pool;
    this.cognito = { pageClientId: page.userPoolClientId, smokeClientId: smoke.userPoolClientId, domainUrl: base };
    this.issuer = pool.userPoolProviderUrl;
    // The smoke test's tokens carry its client id in `client_id` (no `aud`): the authorizer accepts it as an audience.
    this.audience = [page.userPoolClientId, smoke.userPoolClientId];
    this.pageEnvironment = {
      ...pageEnvironment(this.issuer, page.userPoolClientId, `${base}/oauth2/authorize`, `${base}/oauth2/token`, `${base}/logout`),
      AUTH_SCOPES: pageScopes.map((scope) => scope.scopeName).join(' '),
    };
  }

  /**
   * The machine caller of `npm run smoke -- --stack <name>` (local/tools/smoke/stack-target.ts):
   * the client credentials grant with a generated secret, which the smoke test reads with
   * DescribeUserPoolClient when it runs (never an output, never printed), and only the scopes it
   * needs: orders/read for the read-back, orders/write only when POST /orders takes a JWT (with
   * IAM it signs with SigV4). No user sign-in flow: ALLOW_REFRESH_TOKEN_AUTH only, which CDK
   * always adds. Scopes come from the client alone: Cognito applies a version 2 pre-token
   * trigger's answer to user tokens, not to client credentials tokens
   * (docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html).
   */
  private smokeClient(pool: cognito.UserPool, server: cognito.UserPoolResourceServer, config: PipelineConfig): cognito.UserPoolClient {
    const scopes = [SCOPES.read, ...(config.api.submitAuth === 'jwt' ? [SCOPES.write] : [])];
    const client = pool.addClient('Smoke', {
      generateSecret: true,
      authFlows: { userSrp: false, userPassword: false, custom: false, adminUserPassword: false },
      oAuth: {
        flows: { clientCredentials: true },
        scopes: scopes.map((scope) => cognito.OAuthScope.resourceServer(server, resourceScope(scope))),
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.minutes(15),
    });
    // Top-level outputs (stable keys): the smoke test finds the client by them.
    new CfnOutput(Stack.of(this), 'SmokeClientId', {
      value: client.userPoolClientId,
      description: 'App client of npm run smoke (client credentials; secret via DescribeUserPoolClient)',
    });
    return client;
  }

  private createUserPool(config: PipelineConfig): cognito.UserPool {
    const protect = config.database.protect;
    const pool = new cognito.UserPool(this, 'Users', {
      userPoolName: `${config.appName}-${config.stage}`,
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      deletionProtection: protect,
      removalPolicy: protect ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    acknowledge(
      pool,
      {
        id: 'AwsSolutions-COG2',
        reason:
          'MFA is optional (TOTP): users are created by operators, who can require it per user; sign-in stays one step for the demo page.',
      },
      {
        id: 'AwsSolutions-COG3',
        reason: 'Threat protection needs the Plus feature plan (per-user cost); self sign-up is off and the password policy is strong.',
      },
      {
        id: 'AwsSolutions-COG8',
        reason: 'Essentials plan: Plus adds threat protection at a per-user cost; operators create every user (no self sign-up).',
      },
    );
    return pool;
  }

  /** The pre-token-generation trigger: small, outside the VPC (it reads nothing but the event). */
  private scopeTrigger(config: PipelineConfig): lambda.Function {
    const logGroup = new logs.LogGroup(this, 'ScopesLogs', {
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: config.database.protect ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const fn = new lambda.Function(this, 'Scopes', {
      ...bundledFunctionProps('pre-token'),
      description: 'Cognito pre-token generation: scopes from group membership',
      memorySize: 128,
      timeout: Duration.seconds(5),
      logGroup,
    });
    acknowledge(fn, {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'AWS-maintained minimum for writing the function logs.',
    });
    return fn;
  }
}

function pageEnvironment(
  issuer: string,
  clientId: string,
  authorizeUrl: string,
  tokenUrl: string,
  logoutUrl?: string,
): Record<string, string> {
  return {
    AUTH_ISSUER: issuer,
    AUTH_CLIENT_ID: clientId,
    AUTH_AUTHORIZE_URL: authorizeUrl,
    AUTH_TOKEN_URL: tokenUrl,
    ...(logoutUrl ? { AUTH_LOGOUT_URL: logoutUrl } : {}),
  };
}

/** Cognito names a resource-server scope `<identifier>/<name>`: SCOPES share the identifier `orders`. */
function resourceServerIdentifier(): string {
  const identifiers = new Set(Object.values(SCOPES).map((scope) => scope.split('/')[0]));
  const [identifier] = identifiers;
  if (identifiers.size !== 1 || !identifier) throw new Error('SCOPES must share one resource-server identifier');
  return identifier;
}

function scopeName(scope: Scope): string {
  return scope.slice(scope.indexOf('/') + 1);
}

function resourceScope(scope: Scope): cognito.ResourceServerScope {
  return new cognito.ResourceServerScope({ scopeName: scopeName(scope), scopeDescription: `${scope} on the orders API` });
}
