/**
 * Sign-in cookies belong to one host name: a session made on `localhost` is not sent to
 * `127.0.0.1`. Without NEXTAUTH_URL the launcher lets next-auth follow whatever host the browser
 * opened (AUTH_TRUST_HOST), so every name works. With NEXTAUTH_URL set, that URL is canonical:
 * a page opened on another host is sent there, with `movedFrom` so the sign-in page can say why
 * instead of silently looping. Pure, for proxy.ts and its test.
 */

export const movedFromParam = "movedFrom";

/** The canonical URL for this page request, or null to serve it where it is. */
export function canonicalRedirect(requestUrl: URL, hostHeader: string | null, publicUrl: string | undefined): URL | null {
  if (!publicUrl || !hostHeader) return null;
  let canonical: URL;
  try {
    canonical = new URL(publicUrl);
  } catch {
    return null;
  }
  const host = hostHeader.split(",")[0]!.trim().toLowerCase();
  if (host === canonical.host.toLowerCase()) return null;
  const target = new URL(`${requestUrl.pathname}${requestUrl.search}`, canonical.origin);
  // The base path of NEXTAUTH_URL (e.g. https://example.com/provisio) is not used by the app itself.
  target.searchParams.set(movedFromParam, host);
  return target;
}

/** The explanation the sign-in page shows after such a redirect, or null. The host is only echoed when it looks like one. */
export function movedNotice(movedFrom: string | null | undefined, canonicalOrigin: string): string | null {
  if (!movedFrom || !/^[a-z0-9.\-[\]:]{1,260}$/i.test(movedFrom)) return null;
  return `You opened Provisio at ${movedFrom}. It is served at ${canonicalOrigin}: sign-in works there only (a session belongs to one address), so you were sent here.`;
}

/** `movedFrom` from the sign-in page's own query or from inside its callbackUrl (the page the visitor asked for). */
export function movedFromOf(params: { movedFrom?: string; callbackUrl?: string }): string | null {
  if (params.movedFrom) return params.movedFrom;
  if (!params.callbackUrl) return null;
  try {
    return new URL(params.callbackUrl, "http://x").searchParams.get(movedFromParam);
  } catch {
    return null;
  }
}
