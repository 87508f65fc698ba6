/**
 * AWS's MSK IAM signer, for shared/kafka/msk-iam-token.ts to import on the first token. A static
 * import here, not `await import('aws-msk-iam-sasl-signer-js')` there: the package is CommonJS,
 * and in a bundle split into chunks (infra/bundle.ts) a dynamic import of a CommonJS module
 * yields only its `default`, while a static import keeps the named exports.
 */
export { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
