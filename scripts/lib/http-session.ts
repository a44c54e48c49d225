/**
 * Signs in over plain HTTP, as the browser's demo sign-in does (CSRF token, then the credentials
 * callback), for load tests and benches that need a signed-in Cookie header without a browser.
 */

function cookiePairs(response: Response): string[] {
  return response.headers.getSetCookie().map((line) => line.split(";")[0]!);
}

/** Returns the Cookie header of a fresh session for a demo user; fails with the answer when sign-in is refused. */
export async function demoSessionCookie(baseUrl: string, email: string): Promise<string> {
  const csrf = await fetch(`${baseUrl}/api/auth/csrf`);
  if (!csrf.ok) throw new Error(`GET /api/auth/csrf answered ${csrf.status}`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const response = await fetch(`${baseUrl}/api/auth/callback/demo`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookiePairs(csrf).join("; ") },
    body: new URLSearchParams({ csrfToken, email, json: "true" }),
  });
  const session = cookiePairs(response).find((pair) => /^(__Secure-)?next-auth\.session-token=/.test(pair));
  if (!session) throw new Error(`demo sign-in as ${email} failed: HTTP ${response.status} ${await response.text()}`);
  return session;
}

/** The URL path of a tRPC query over GET (superjson-encoded input, not batched). */
export function trpcQueryPath(procedure: string, input?: unknown): string {
  return input === undefined ? `/api/trpc/${procedure}` : `/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
}
