/**
 * Security headers of every response. Two parts:
 * - static ones, the same for every response (pages, API, static assets), set in next.config.mjs:
 *   no framing (clickjacking on pages with Reveal and Destroy buttons), no MIME sniffing, no
 *   referrer to other sites, no powerful browser features, a window of our own;
 * - the Content-Security-Policy, set by proxy.ts per request: pages get a fresh nonce that
 *   Next.js puts on its own scripts ('strict-dynamic' lets those load their chunks), so no
 *   other script runs; API answers get a policy that allows nothing. Styles allow inline:
 *   recharts and CodeMirror set style attributes and elements at run time.
 * HSTS only when the request came over https (directly or through a proxy that says so).
 */

export const hstsHeader = { key: "Strict-Transport-Security", value: "max-age=31536000" } as const;

/** A fresh nonce: 16 random bytes, base64. */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

export function pageContentSecurityPolicy(options: { nonce: string; https: boolean; development: boolean }): string {
  const directives = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${options.nonce}' 'strict-dynamic'${options.development ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    // Same-origin fetches and the run log's server-sent events; the dev server's hot reload uses a websocket.
    `connect-src 'self'${options.development ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(options.https ? ["upgrade-insecure-requests"] : []),
  ];
  return directives.join("; ");
}

/** JSON, CSV and event streams render nothing: allow nothing, frame nowhere. */
export const apiContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";

/** Whether the browser reached us over https: the URL, or a TLS-terminating proxy's X-Forwarded-Proto. */
export function servedOverHttps(url: URL, headers: Pick<Headers, "get">): boolean {
  const forwarded = headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  return forwarded ? forwarded === "https" : url.protocol === "https:";
}
