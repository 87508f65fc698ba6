/**
 * Signature Version 4 for a request to an API Gateway route with IAM authorization (service
 * `execute-api`), with the credentials of the default chain (environment, SSO, profile, web
 * identity in CI, instance role): what POST /orders needs when `submitAuth` is `iam`
 * (docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html).
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider, Checksum, SourceData } from '@smithy/types';

/** SHA-256 (and HMAC-SHA-256 with a secret) from node:crypto, in the shape the signer takes. */
class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    const key = this.secret;
    if (typeof key === 'string') return createHmac('sha256', key);
    return createHmac('sha256', ArrayBuffer.isView(key) ? new Uint8Array(key.buffer, key.byteOffset, key.byteLength) : new Uint8Array(key));
  }

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.fresh();
  }
}

export interface RequestSigner {
  /** Resolves the credentials (throws when there are none). */
  ready(): Promise<void>;
  /** The headers to send with this request: `authorization`, `x-amz-date`, `x-amz-security-token`, ... */
  headers(request: { method: string; url: URL; headers: Record<string, string>; body: string }): Promise<Record<string, string>>;
}

export function executeApiSigner(region: string, credentials: AwsCredentialIdentityProvider = defaultProvider()): RequestSigner {
  const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: NodeSha256 });
  return {
    ready: async () => void (await credentials()),
    headers: async ({ method, url, headers, body }) => {
      const signed = await signer.sign({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: { ...headers, host: url.host },
        body,
      });
      // fetch sets `host` itself, from the same URL.
      const { host: _host, ...rest } = signed.headers;
      return rest;
    },
  };
}
