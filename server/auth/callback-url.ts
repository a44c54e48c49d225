/**
 * Where a sign-in may send the browser afterwards: only a path of this site. Browsers read
 * `/\evil.example/` as `//evil.example/` and drop tabs and line breaks inside URLs, so
 * `/%09/evil.example/` becomes `//evil.example/` too: a value with a backslash or any control
 * character is refused outright, and what remains must resolve to this origin and must not
 * start with `//` once normalised (`/.//evil.example` would).
 */

export const defaultCallbackPath = "/";
const base = "http://provisio.invalid";

/** `value` may be anything a query string gives (a repeated parameter is an array): only a string can pass. */
export function safeCallbackPath(value: unknown, fallback: string = defaultCallbackPath): string {
  if (typeof value !== "string" || value.length > 2_000 || !value.startsWith("/") || /[\\\u0000-\u001f\u007f-\u009f]/.test(value)) return fallback;
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return fallback;
  }
  if (url.origin !== base) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  return path.startsWith("//") ? fallback : path;
}

/**
 * next-auth's redirect callback: a relative path or an absolute URL of this site, reduced to a
 * safe path on `baseUrl`; anything else goes to the default page.
 */
export function safeRedirect(url: string, baseUrl: string): string {
  const origin = new URL(baseUrl).origin;
  let path: string | null = null;
  if (url.startsWith("/")) path = url;
  else {
    try {
      const absolute = new URL(url);
      if (absolute.origin === origin) path = `${absolute.pathname}${absolute.search}${absolute.hash}`;
    } catch {
      path = null;
    }
  }
  return `${origin}${safeCallbackPath(path)}`;
}
