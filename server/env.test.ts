import { afterEach, describe, expect, it } from "vitest";
import { envVar, parseRuntimeEnv } from "./env";

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
    expect(() => parseRuntimeEnv({ ...base, OIDC_ISSUER: "https://idp.example.com" })).toThrow(
      /OIDC_CLIENT_ID: is required[\s\S]*OIDC_CLIENT_SECRET: is required/,
    );
    expect(() => parseRuntimeEnv({ ...base, WORKER_CONCURRENCY: "0" })).toThrow(/WORKER_CONCURRENCY/);
  });

  it("says which required variables are not set at all", () => {
    expect(() => parseRuntimeEnv({ PROVISIO_DEMO: "true", NEXTAUTH_SECRET: "" })).toThrow(
      "Invalid environment:\n  DATABASE_URL: is not set\n  NEXTAUTH_SECRET: is not set",
    );
  });

  it("refuses a production install with no sign-in method", () => {
    expect(() => parseRuntimeEnv({ ...base, PROVISIO_DEMO: "false" })).toThrow(/OIDC_ISSUER: no sign-in method/);
  });

  it("takes a metrics token of 24+ printable characters; unset or empty leaves metrics disabled", () => {
    expect(parseRuntimeEnv(base).PROVISIO_METRICS_TOKEN).toBeUndefined();
    expect(parseRuntimeEnv({ ...base, PROVISIO_METRICS_TOKEN: "" }).PROVISIO_METRICS_TOKEN).toBeUndefined();
    expect(parseRuntimeEnv({ ...base, PROVISIO_METRICS_TOKEN: "m".repeat(24) }).PROVISIO_METRICS_TOKEN).toBe("m".repeat(24));
    expect(() => parseRuntimeEnv({ ...base, PROVISIO_METRICS_TOKEN: "too-short" })).toThrow(/PROVISIO_METRICS_TOKEN: must be at least 24 characters/);
    expect(() => parseRuntimeEnv({ ...base, PROVISIO_METRICS_TOKEN: `${"m".repeat(24)} x` })).toThrow(
      /PROVISIO_METRICS_TOKEN: printable characters without spaces/,
    );
  });

  it("reads the admin bootstrap list case-insensitively", () => {
    expect(parseRuntimeEnv({ ...base, PROVISIO_ADMIN_EMAILS: " Ops@Example.com , b@example.com" }).adminEmails).toEqual([
      "ops@example.com",
      "b@example.com",
    ]);
  });

  it("has defaults for the runner, the simulator and the logs", () => {
    const env = parseRuntimeEnv(base);
    expect(env).toMatchObject({ PROVISIO_RUN_STALE_MS: 30_000, PROVISIO_RUN_HEARTBEAT_MS: 5_000, PROVISIO_PROCESS: "web", LOG_LEVEL: "info" });
    expect(env.PROVISIO_SIM_ACCOUNT).toBeUndefined();
    expect(env.PROVISIO_SIM_FAULTS).toBeUndefined();
    expect(env.NODE_ENV).toBeUndefined();
    expect(parseRuntimeEnv({ ...base, TF_CLI_CONFIG_FILE: "" }).TF_CLI_CONFIG_FILE).toBeUndefined();
    expect(parseRuntimeEnv({ ...base, PROVISIO_RUN_STALE_MS: "2000", PROVISIO_RUN_HEARTBEAT_MS: "500" })).toMatchObject({
      PROVISIO_RUN_STALE_MS: 2000,
      PROVISIO_RUN_HEARTBEAT_MS: 500,
    });
  });

  it("names each bad runner, simulator or process variable", () => {
    expect(() => parseRuntimeEnv({ ...base, PROVISIO_RUN_STALE_MS: "soon" })).toThrow(/PROVISIO_RUN_STALE_MS: must be a number of milliseconds/);
    expect(() => parseRuntimeEnv({ ...base, PROVISIO_RUN_STALE_MS: "10" })).toThrow(/PROVISIO_RUN_STALE_MS: must be at least 100 \(milliseconds\)$/);
    expect(() => parseRuntimeEnv({ ...base, PROVISIO_RUN_STALE_MS: "1000", PROVISIO_RUN_HEARTBEAT_MS: "1000" })).toThrow(
      /PROVISIO_RUN_HEARTBEAT_MS: must be shorter than PROVISIO_RUN_STALE_MS \(1000\)/,
    );
    expect(() => parseRuntimeEnv({ ...base, PROVISIO_SIM_FAULTS: "{nope" })).toThrow(/PROVISIO_SIM_FAULTS: must be a JSON object/);
    expect(() => parseRuntimeEnv({ ...base, PROVISIO_SIM_FAULTS: "[1]" })).toThrow(/PROVISIO_SIM_FAULTS: must be a JSON object/);
    expect(parseRuntimeEnv({ ...base, PROVISIO_SIM_FAULTS: '{"latency":{"baseMs":1}}' }).PROVISIO_SIM_FAULTS).toBe('{"latency":{"baseMs":1}}');
    expect(() => parseRuntimeEnv({ ...base, PROVISIO_SIM_ACCOUNT: "Team A" })).toThrow(/PROVISIO_SIM_ACCOUNT: lowercase letters, digits and '-'/);
    expect(() => parseRuntimeEnv({ ...base, PROVISIO_PROCESS: "Web Server" })).toThrow(/PROVISIO_PROCESS: a short lowercase name/);
    expect(() => parseRuntimeEnv({ ...base, NODE_ENV: "staging" })).toThrow(/NODE_ENV: must be development, production or test/);
    expect(() => parseRuntimeEnv({ ...base, PROVISIO_WEBHOOK_ALLOW_LOCAL: "maybe" })).toThrow(/PROVISIO_WEBHOOK_ALLOW_LOCAL: must be true or false/);
  });
});

describe("one variable (envVar)", () => {
  const saved = process.env.PROVISIO_SIM_ACCOUNT;
  afterEach(() => {
    if (saved === undefined) delete process.env.PROVISIO_SIM_ACCOUNT;
    else process.env.PROVISIO_SIM_ACCOUNT = saved;
  });

  it("validates one variable by the same rule without needing the others, default applied", () => {
    expect(envVar("PROVISIO_RUN_STALE_MS", {})).toBe(30_000);
    expect(envVar("PROVISIO_RUN_STALE_MS", { PROVISIO_RUN_STALE_MS: "2000" })).toBe(2000);
    expect(() => envVar("PROVISIO_RUN_HEARTBEAT_MS", { PROVISIO_RUN_HEARTBEAT_MS: "often" })).toThrow(
      "Invalid environment:\n  PROVISIO_RUN_HEARTBEAT_MS: must be a number of milliseconds",
    );
    expect(() => envVar("DATABASE_URL", {})).toThrow("Invalid environment:\n  DATABASE_URL: is not set");
    expect(() => envVar("NEXTAUTH_SECRET", { NEXTAUTH_SECRET: "" })).toThrow("NEXTAUTH_SECRET: is not set");
  });

  it("sees a value changed at runtime (tests switch some on and off)", () => {
    process.env.PROVISIO_SIM_ACCOUNT = "team-a";
    expect(envVar("PROVISIO_SIM_ACCOUNT")).toBe("team-a");
    process.env.PROVISIO_SIM_ACCOUNT = "team-b";
    expect(envVar("PROVISIO_SIM_ACCOUNT")).toBe("team-b");
    process.env.PROVISIO_SIM_ACCOUNT = "Team B";
    expect(() => envVar("PROVISIO_SIM_ACCOUNT")).toThrow("PROVISIO_SIM_ACCOUNT: lowercase letters, digits and '-', at most 63 characters");
    delete process.env.PROVISIO_SIM_ACCOUNT;
    expect(envVar("PROVISIO_SIM_ACCOUNT")).toBeUndefined();
  });
});
