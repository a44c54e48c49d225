/**
 * A real OpenID Connect identity provider (oidc-provider) for the browser tests: discovery,
 * authorization code flow with PKCE, signed ID tokens. Its development login form accepts any
 * login; the login becomes the subject and the email (`kim` → kim@idp.test).
 */
import Provider from "oidc-provider";

export type TestIdp = { issuer: string; clientId: string; clientSecret: string; close: () => Promise<void> };

export async function startTestIdp(options: { port: number; redirectUri: string }): Promise<TestIdp> {
  const issuer = `http://127.0.0.1:${options.port}`;
  const clientId = "provisio-e2e";
  const clientSecret = "provisio-e2e-client-secret";
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [options.redirectUri],
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    async findAccount(_ctx, sub) {
      const email = sub.includes("@") ? sub : `${sub}@idp.test`;
      const name = email
        .split("@")[0]!
        .split(/[._-]/)
        .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
        .join(" ");
      return { accountId: sub, claims: async () => ({ sub, email, email_verified: true, name }) };
    },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    cookies: { keys: ["provisio-e2e-cookie-key"] },
    features: { devInteractions: { enabled: true } },
  });
  const server = provider.listen(options.port);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", () => resolve());
    server.once("error", reject);
  });
  return {
    issuer,
    clientId,
    clientSecret,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
