import { describe, expect, it } from 'vitest';
import { securityHeaders } from '../../shared/http/http.js';

describe('securityHeaders: the content security policy', () => {
  it('allows exactly the token endpoint for fetch and the identity provider for the sign-in and sign-out forms', () => {
    const csp = securityHeaders({
      tokenUrl: 'https://auth.example.com/oauth2/token',
      authorizeUrl: 'https://auth.example.com/oauth2/authorize',
      logoutUrl: 'https://auth.example.com/logout',
    })['content-security-policy'];
    expect(csp).toContain("connect-src 'self' https://auth.example.com/oauth2/token;");
    expect(csp).toContain("form-action 'self' https://auth.example.com;");
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toContain('unsafe-inline');
    expect(securityHeaders()['content-security-policy']).toContain("connect-src 'self'; ");
  });
});
