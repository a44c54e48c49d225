import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import type { OAuthConfig } from "next-auth/providers/oauth";
import { z } from "zod";
import { db } from "~/server/db";
import { env } from "~/server/env";
import { safeRedirect } from "./callback-url";
import { logger } from "~/server/logger";
import { findDemoUser, upsertOidcUser } from "~/server/services/users";
import { isSessionActive, openSession, revokeSession, SESSION_MAX_AGE_S } from "./session-store";
import { admitSignIn, clientAddress, recordSignInFailure, SignInThrottledError, type SignInLimits } from "./sign-in-throttle";

type OidcProfile = { sub: string; email?: string; name?: string; preferred_username?: string };

let userinfoEndpoint: Promise<string | null> | undefined;

/**
 * Some providers keep ID tokens thin (only `sub`) and put email and name in userinfo. The ID
 * token is still verified; the missing claims come from userinfo with the access token.
 */
async function userinfoClaims(issuer: string, accessToken: string | undefined): Promise<Partial<OidcProfile>> {
  if (!accessToken) return {};
  userinfoEndpoint ??= fetch(`${issuer}/.well-known/openid-configuration`)
    .then((r) => r.json() as Promise<{ userinfo_endpoint?: string }>)
    .then((d) => d.userinfo_endpoint ?? null)
    .catch(() => null);
  const endpoint = await userinfoEndpoint;
  if (!endpoint) return {};
  const response = await fetch(endpoint, { headers: { authorization: `Bearer ${accessToken}` } });
  return response.ok ? ((await response.json()) as Partial<OidcProfile>) : {};
}

/** Generic OpenID Connect: Okta, Entra ID, Keycloak, Google, Auth0 all publish discovery documents. */
function oidcProvider(issuer: string, clientId: string, clientSecret: string, name: string): OAuthConfig<OidcProfile> {
  const base = issuer.replace(/\/+$/, "");
  return {
    id: "oidc",
    name,
    type: "oauth",
    wellKnown: `${base}/.well-known/openid-configuration`,
    clientId,
    clientSecret,
    authorization: { params: { scope: "openid email profile" } },
    idToken: true,
    checks: ["pkce", "state"],
    async profile(idTokenClaims, tokens) {
      const profile = idTokenClaims.email ? idTokenClaims : { ...(await userinfoClaims(base, tokens.access_token)), ...idTokenClaims };
      return {
        id: `${base}|${profile.sub}`,
        email: profile.email ?? null,
        name: profile.name ?? profile.preferred_username ?? profile.email ?? profile.sub,
      };
    },
  };
}

const demoCredentials = z.object({ email: z.email().max(320) });

type Authorize = NonNullable<Parameters<typeof CredentialsProvider>[0]["authorize"]>;

/**
 * Every credentials sign-in goes through the throttle: over a limit it is refused (next-auth
 * carries the error code to /signin?error=SignInThrottled) before `authorize` looks at anything;
 * a sign-in `authorize` turns down counts as a failure for its email and address.
 */
function throttled(limits: SignInLimits, authorize: Authorize): Authorize {
  return async (credentials, req) => {
    const parsed = demoCredentials.safeParse(credentials);
    const who = { email: parsed.success ? parsed.data.email : null, address: clientAddress(req.headers) };
    try {
      await admitSignIn(db(), who, limits);
    } catch (error) {
      if (error instanceof SignInThrottledError) logger.warn({ reason: error.reason, retryAfterS: error.retryAfterS }, "sign-in throttled");
      throw error;
    }
    const user = await authorize(credentials, req);
    if (!user) await recordSignInFailure(db(), who);
    return user;
  };
}

/** Thrown by the jwt callback for a revoked or expired session: next-auth then treats the cookie as signed out (and clears it). */
class SessionEndedError extends Error {
  constructor() {
    super("the session was signed out or has expired");
    this.name = "SessionEndedError";
  }
}

function buildAuthOptions(): NextAuthOptions {
  const config = env();
  const providers: NextAuthOptions["providers"] = [];
  if (config.OIDC_ISSUER && config.OIDC_CLIENT_ID && config.OIDC_CLIENT_SECRET) {
    providers.push(oidcProvider(config.OIDC_ISSUER, config.OIDC_CLIENT_ID, config.OIDC_CLIENT_SECRET, config.OIDC_NAME));
  }
  const limits: SignInLimits = {
    failuresPerEmail: config.PROVISIO_SIGNIN_FAILURES_PER_MINUTE,
    failuresPerAddress: config.PROVISIO_SIGNIN_FAILURES_PER_MINUTE * 4,
    attemptsPerAddress: config.PROVISIO_SIGNIN_ATTEMPTS_PER_MINUTE,
  };
  if (config.demoSignInEnabled) {
    providers.push(
      CredentialsProvider({
        id: "demo",
        name: "Demo sign-in",
        credentials: { email: { label: "Email", type: "email" } },
        authorize: throttled(limits, async (credentials) => {
          const parsed = demoCredentials.safeParse(credentials);
          if (!parsed.success) return null;
          const user = await findDemoUser(db(), parsed.data.email);
          return user ? { id: user.id, email: user.email, name: user.name } : null;
        }),
      }),
    );
  }

  return {
    secret: config.NEXTAUTH_SECRET,
    events: {
      async signOut({ token }) {
        if (typeof token?.sid === "string") await revokeSession(db(), token.sid);
      },
    },
    logger: {
      error(code, metadata) {
        // A signed-out cookie coming back is expected, not an error worth a stack trace.
        if (metadata instanceof SessionEndedError) return;
        if (metadata instanceof SignInThrottledError) return;
        logger.error({ code, err: metadata instanceof Error ? metadata : undefined }, `next-auth: ${code}`);
      },
      warn(code) {
        logger.warn({ code }, `next-auth: ${code}`);
      },
      debug() {},
    },
    providers,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_S },
    pages: { signIn: "/signin", error: "/signin" },
    callbacks: {
      // After sign-in or sign-out: only a path of this site (server/auth/callback-url.ts).
      redirect({ url, baseUrl }) {
        return safeRedirect(url, baseUrl);
      },
      async signIn({ user, account }) {
        // An identity without an email cannot be matched to memberships: refuse it clearly.
        if (account?.provider === "oidc" && !user.email) return "/signin?error=OidcNoEmail";
        return true;
      },
      async jwt({ token, user, account }) {
        if (account && user) {
          // Sign-in: resolve our user, then open the server-side session the cookie will name.
          if (account.provider === "oidc" && user.email) {
            token.uid = await upsertOidcUser(
              db(),
              { subject: user.id, email: user.email, name: user.name ?? user.email },
              { adminEmails: config.adminEmails },
            );
          } else if (account.provider === "demo") {
            token.uid = user.id;
          }
          if (typeof token.uid === "string") token.sid = await openSession(db(), token.uid);
          return token;
        }
        // Every later use of the cookie: only as good as its session row (cookies from before sessions were listed have none).
        if (typeof token.uid !== "string" || typeof token.sid !== "string" || !(await isSessionActive(db(), token.sid, token.uid)))
          throw new SessionEndedError();
        return token;
      },
      async session({ session, token }) {
        if (session.user && typeof token.uid === "string") session.user.id = token.uid;
        return session;
      },
    },
  };
}

let cached: NextAuthOptions | undefined;
export function authOptions(): NextAuthOptions {
  cached ??= buildAuthOptions();
  return cached;
}
