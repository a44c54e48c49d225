import { NextResponse, type NextRequest } from "next/server";
import { canonicalRedirect } from "~/server/auth/canonical-host";
import { apiContentSecurityPolicy, hstsHeader, newNonce, pageContentSecurityPolicy, servedOverHttps } from "~/server/api/security-headers";

const sessionCookies = ["next-auth.session-token", "__Secure-next-auth.session-token"];

/**
 * Every page and API request passes here:
 * - the Content-Security-Policy: a fresh nonce per page, handed to Next.js in the request
 *   headers so it marks its own scripts with it (server/api/security-headers.ts); the other
 *   security headers come from next.config.mjs;
 * - deep links kept across sign-in: a visitor without a session cookie is sent to the sign-in
 *   page with the page they asked for. Only a cheap cookie check; pages still verify the session.
 */
export function proxy(request: NextRequest) {
  const https = servedOverHttps(request.nextUrl, request.headers);
  const path = request.nextUrl.pathname;

  if (path.startsWith("/api/")) return secured(NextResponse.next(), apiContentSecurityPolicy, https);

  // NEXTAUTH_URL set: pages live on that host only (a session cookie belongs to one host name).
  const moved = canonicalRedirect(request.nextUrl, request.headers.get("x-forwarded-host") ?? request.headers.get("host"), publicUrl());
  if (moved) return NextResponse.redirect(moved);

  const csp = pageContentSecurityPolicy({ nonce: newNonce(), https, development: process.env.NODE_ENV === "development" });
  const isSignIn = path === "/signin" || path.startsWith("/signin/");
  if (!isSignIn && !sessionCookies.some((name) => request.cookies.has(name))) {
    const target = new URL("/signin", request.url);
    target.searchParams.set("callbackUrl", `${path}${request.nextUrl.search}`);
    return secured(NextResponse.redirect(target), csp, https);
  }
  const headers = new Headers(request.headers);
  headers.set("content-security-policy", csp);
  return secured(NextResponse.next({ request: { headers } }), csp, https);
}

/** NEXTAUTH_URL as the operator set it (the launcher leaves it unset so every host works); read here, like NODE_ENV, without validating the whole environment per request. */
function publicUrl(): string | undefined {
  return process.env.NEXTAUTH_URL || undefined;
}

function secured(response: NextResponse, csp: string, https: boolean): NextResponse {
  response.headers.set("content-security-policy", csp);
  if (https) response.headers.set(hstsHeader.key, hstsHeader.value);
  return response;
}

export const config = {
  // Everything but build assets (immutable files with the static headers of next.config.mjs).
  matcher: ["/((?!_next/static|_next/image|favicon\\.ico).*)"],
};
