import { NextResponse, type NextRequest } from "next/server";

const sessionCookies = ["next-auth.session-token", "__Secure-next-auth.session-token"];

/**
 * Keeps deep links across sign-in: a visitor without a session cookie is sent to the sign-in
 * page with the page they asked for. Only a cheap cookie check; pages still verify the session.
 */
export function proxy(request: NextRequest) {
  if (sessionCookies.some((name) => request.cookies.has(name))) return NextResponse.next();
  const target = new URL("/signin", request.url);
  target.searchParams.set("callbackUrl", `${request.nextUrl.pathname}${request.nextUrl.search}`);
  return NextResponse.redirect(target);
}

export const config = {
  // Everything but the sign-in page, the API (which answers 401 itself) and static assets.
  matcher: ["/((?!signin|api/|_next/|favicon\\.ico).*)"],
};
