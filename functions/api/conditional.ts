// Conditional GET of an order (RFC 9110 section 13.1.2): orders never change once stored, so a
// client that holds the representation with this ETag gets 304 Not Modified without a body.

/** Whether `If-None-Match` names `etag` (weak comparison, as RFC 9110 prescribes for If-None-Match) or is `*`. */
export function matchesIfNoneMatch(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  const wanted = opaque(etag);
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === wanted);
}
