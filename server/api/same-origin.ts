/**
 * CSRF defence for state-changing requests, on top of SameSite=Lax cookies: a browser sends
 * `Origin` with every POST, and `Sec-Fetch-Site` with every request; a page on another site
 * cannot forge either. A request is refused when its Origin names another host than the one it
 * was sent to (or the configured public URL), or, without Origin, when the browser says it comes
 * from another site. Requests without both headers (curl, scripts, server-side callers) are not
 * a browser acting for a signed-in user by someone else's page, so they pass.
 */

type HeaderSource = Pick<Headers, "get">;

/** Hosts a request may come from: the one it was sent to (as the browser saw it) and the configured public URLs. */
function expectedHosts(headers: HeaderSource, publicUrls: readonly string[]): Set<string> {
  const hosts = new Set<string>();
  for (const name of ["x-forwarded-host", "host"]) {
    const value = headers.get(name)?.split(",")[0]?.trim().toLowerCase();
    if (value) hosts.add(value);
  }
  for (const url of publicUrls) {
    try {
      hosts.add(new URL(url).host.toLowerCase());
    } catch {
      // A malformed configured URL adds nothing.
    }
  }
  return hosts;
}

/** Null when the request may change state, else why not (for the 403 answer and the log). */
export function crossSiteRefusal(headers: HeaderSource, publicUrls: readonly string[] = []): string | null {
  const origin = headers.get("origin");
  if (origin !== null) {
    let host: string | null = null;
    try {
      host = origin === "null" ? null : new URL(origin).host.toLowerCase();
    } catch {
      host = null;
    }
    if (host && expectedHosts(headers, publicUrls).has(host)) return null;
    return "Cross-site request refused: this request comes from another site (Origin does not match).";
  }
  const site = headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none")
    return `Cross-site request refused: the browser says this request comes from a ${site} page.`;
  return null;
}

/** Methods that never change state; every other one is checked. */
export const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

/** For route handlers: a 403 answer when a state-changing request comes from another site, else null. */
export function crossSiteAnswer(request: Request, publicUrls: readonly string[] = []): Response | null {
  if (safeMethods.has(request.method)) return null;
  const reason = crossSiteRefusal(request.headers, publicUrls);
  return reason ? Response.json({ error: reason }, { status: 403, headers: { "cache-control": "no-store" } }) : null;
}

/**
 * next-auth's POSTs (sign-in, sign-out, the demo callback) change the session: only from this
 * site (its CSRF token is the second lock). The identity provider's own answer
 * (`callback/oidc`) may be posted back from its site and is verified by state and PKCE instead.
 */
export function authPostAnswer(request: Request, segments: readonly string[], publicUrls: readonly string[] = []): Response | null {
  const [action, provider] = segments;
  if (action === "callback" && provider === "oidc") return null;
  return crossSiteAnswer(request, publicUrls);
}
