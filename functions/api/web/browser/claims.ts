/** Who is signed in, from the ID token's claims (validated by oauth4webapi in sign-in.ts). Pure: test/unit/web-claims.test.ts. */
export type Claims = Readonly<Record<string, unknown>>;

const NAME_CLAIMS = ['name', 'preferred_username', 'cognito:username', 'email', 'sub'] as const;

/** The first non-empty name claim (Cognito sets `cognito:username`; OpenID providers `name`), or a fallback. */
export function displayName(claims: Claims | undefined): string {
  for (const claim of NAME_CLAIMS) {
    const value = claims?.[claim];
    if (typeof value === 'string' && value.trim() !== '') return value;
  }
  return 'signed in';
}
