import { describe, expect, it } from "vitest";
import { parseRuntimeEnv } from "./env";

const base = { DATABASE_URL: "postgres://u:p@localhost:5432/db", NEXTAUTH_SECRET: "x".repeat(32), PROVISIO_DEMO: "true" };

describe("runtime environment", () => {
  it("enables demo sign-in on a demo install without OIDC", () => {
    const env = parseRuntimeEnv(base);
    expect(env.demoSignInEnabled).toBe(true);
    expect(env.oidcEnabled).toBe(false);
  });

  it("turns demo sign-in off once OIDC is configured, unless explicitly allowed", () => {
    const oidc = { ...base, OIDC_ISSUER: "https://idp.example.com", OIDC_CLIENT_ID: "portal", OIDC_CLIENT_SECRET: "s3cret" };
    expect(parseRuntimeEnv(oidc).demoSignInEnabled).toBe(false);
    expect(parseRuntimeEnv({ ...oidc, PROVISIO_DEMO_SIGNIN: "true" }).demoSignInEnabled).toBe(true);
  });

  it("names each missing or invalid variable", () => {
    expect(() => parseRuntimeEnv({ ...base, DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL: must be a postgres:\/\/ connection URL/);
    expect(() => parseRuntimeEnv({ ...base, NEXTAUTH_SECRET: "short" })).toThrow(/NEXTAUTH_SECRET: must be at least 16 characters/);
    expect(() => parseRuntimeEnv({ ...base, OIDC_ISSUER: "https://idp.example.com" })).toThrow(/OIDC_CLIENT_ID: is required[\s\S]*OIDC_CLIENT_SECRET: is required/);
    expect(() => parseRuntimeEnv({ ...base, WORKER_CONCURRENCY: "0" })).toThrow(/WORKER_CONCURRENCY/);
  });

  it("refuses a production install with no sign-in method", () => {
    expect(() => parseRuntimeEnv({ ...base, PROVISIO_DEMO: "false" })).toThrow(/OIDC_ISSUER: no sign-in method/);
  });

  it("takes a metrics token of 24+ printable characters; unset or empty leaves metrics disabled", () => {
    expect(parseRuntimeEnv(base).PROVISIO_METRICS_TOKEN).toBeUndefined();
    expect(parseRuntimeEnv({ ...base, PROVISIO_METRICS_TOKEN: "" }).PROVISIO_METRICS_TOKEN).toBeUndefined();
    expect(parseRuntimeEnv({ ...base, PROVISIO_METRICS_TOKEN: "m".repeat(24) }).PROVISIO_METRICS_TOKEN).toBe("m".repeat(24));
    expect(() => parseRuntimeEnv({ ...base, PROVISIO_METRICS_TOKEN: "too-short" })).toThrow(/PROVISIO_METRICS_TOKEN: must be at least 24 characters/);
    expect(() => parseRuntimeEnv({ ...base, PROVISIO_METRICS_TOKEN: `${"m".repeat(24)} x` })).toThrow(/PROVISIO_METRICS_TOKEN: printable characters without spaces/);
  });

  it("reads the admin bootstrap list case-insensitively", () => {
    expect(parseRuntimeEnv({ ...base, PROVISIO_ADMIN_EMAILS: " Ops@Example.com , b@example.com" }).adminEmails).toEqual(["ops@example.com", "b@example.com"]);
  });
});
