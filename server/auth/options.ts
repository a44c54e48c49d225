import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import type { OAuthConfig } from "next-auth/providers/oauth";
import { z } from "zod";
import { db } from "~/server/db";
import { env } from "~/server/env";
import { safeRedirect } from "./callback-url";
import { findDemoUser, upsertOidcUser } from "~/server/services/users";

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

const demoCredentials = z.object({ email: z.email() });

function buildAuthOptions(): NextAuthOptions {
  const config = env();
  const providers: NextAuthOptions["providers"] = [];
  if (config.OIDC_ISSUER && config.OIDC_CLIENT_ID && config.OIDC_CLIENT_SECRET) {
    providers.push(oidcProvider(config.OIDC_ISSUER, config.OIDC_CLIENT_ID, config.OIDC_CLIENT_SECRET, config.OIDC_NAME));
  }
  if (config.demoSignInEnabled) {
    providers.push(
      CredentialsProvider({
        id: "demo",
        name: "Demo sign-in",
        credentials: { email: { label: "Email", type: "email" } },
        async authorize(credentials) {
          const parsed = demoCredentials.safeParse(credentials);
          if (!parsed.success) return null;
          const user = await findDemoUser(db(), parsed.data.email);
          return user ? { id: user.id, email: user.email, name: user.name } : null;
        },
      }),
    );
  }

  return {
    secret: config.NEXTAUTH_SECRET,
    providers,
    session: { strategy: "jwt", maxAge: 8 * 60 * 60 },
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
        if (account?.provider === "oidc" && user?.email) {
          token.uid = await upsertOidcUser(
            db(),
            { subject: user.id, email: user.email, name: user.name ?? user.email },
            { adminEmails: config.adminEmails },
          );
        } else if (account?.provider === "demo" && user) {
          token.uid = user.id;
        }
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
