import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import nextConfig from "~/next.config.mjs";
import { proxy } from "~/proxy";

/**
 * Finding 7: every page and API answer carries the security headers; pages a nonce-based CSP
 * (a fresh nonce handed to Next.js in the request headers), API answers a policy allowing nothing.
 */

const request = (path: string, headers: Record<string, string> = {}) => new NextRequest(new URL(path, "http://localhost:3000"), { headers });
const signedIn = { cookie: "next-auth.session-token=abc" };

function nonceOf(csp: string | null): string {
  const match = /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp ?? "");
  if (!match) throw new Error(`no nonce in ${csp}`);
  return match[1]!;
}

describe("static security headers (next.config.mjs), on every path", () => {
  it("frames nowhere, sniffs nothing, sends no referrer elsewhere, grants no powerful features", async () => {
    const rules = await nextConfig.headers!();
    expect(rules).toEqual([{ source: "/:path*", headers: expect.any(Array) }]);
    const headers = Object.fromEntries(rules[0]!.headers.map((h) => [h.key.toLowerCase(), h.value]));
    expect(headers).toMatchObject({
      "x-frame-options": "DENY",
      "x-content-type-options": "nosniff",
      "referrer-policy": "same-origin",
      "cross-origin-opener-policy": "same-origin",
    });
    expect(headers["permissions-policy"]).toContain("camera=()");
    expect(headers["content-security-policy"]).toBeUndefined(); // per request, from the proxy
  });
});

describe("Content-Security-Policy (proxy.ts)", () => {
  it("gives a signed-in page a fresh nonce, in the answer and in the request Next.js renders", () => {
    const first = proxy(request("/environments", signedIn));
    const second = proxy(request("/environments", signedIn));
    const csp = first.headers.get("content-security-policy");
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self' 'nonce-");
    expect(csp).toContain("'strict-dynamic'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("base-uri 'self'");
    expect(csp).not.toContain("unsafe-eval");
    expect(nonceOf(csp)).not.toBe(nonceOf(second.headers.get("content-security-policy")));
    expect(first.headers.get("x-middleware-request-content-security-policy")).toBe(csp);
    expect(first.headers.get("strict-transport-security")).toBeNull();
  });

  it("secures the redirect to sign-in and the sign-in page itself", () => {
    const redirect = proxy(request("/requests/1?tab=log"));
    expect(redirect.status).toBe(307);
    expect(redirect.headers.get("location")).toBe("http://localhost:3000/signin?callbackUrl=%2Frequests%2F1%3Ftab%3Dlog");
    expect(redirect.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    const signIn = proxy(request("/signin"));
    expect(signIn.headers.get("location")).toBeNull();
    expect(nonceOf(signIn.headers.get("content-security-policy"))).toBeTruthy();
  });

  it("lets API answers render nothing and be framed nowhere", () => {
    for (const path of ["/api/trpc/me.get", "/api/audit/export", "/api/health"]) {
      expect(proxy(request(path)).headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    }
  });

  it("adds HSTS (and upgrades insecure requests) only over https", () => {
    const direct = proxy(new NextRequest("https://provisio.example.com/catalog", { headers: signedIn }));
    expect(direct.headers.get("strict-transport-security")).toBe("max-age=31536000");
    expect(direct.headers.get("content-security-policy")).toContain("upgrade-insecure-requests");
    const proxied = proxy(request("/catalog", { ...signedIn, "x-forwarded-proto": "https" }));
    expect(proxied.headers.get("strict-transport-security")).toBe("max-age=31536000");
    const api = proxy(request("/api/health", { "x-forwarded-proto": "https" }));
    expect(api.headers.get("strict-transport-security")).toBe("max-age=31536000");
    const plain = proxy(request("/catalog", signedIn));
    expect(plain.headers.get("strict-transport-security")).toBeNull();
    expect(plain.headers.get("content-security-policy")).not.toContain("upgrade-insecure-requests");
  });
});
