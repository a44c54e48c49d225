/** The postgres engine's pure parts: names, SCRAM verifiers, error classification and redaction. */
import { describe, expect, it } from "vitest";
import { EngineError } from "../engine";
import { statementTimeoutSeconds } from "./engine";
import { isTransientCause, redact, toEngineError } from "./errors";
import { environmentSuffix, hasEnvironmentSuffix, physicalName, physicalNamePattern } from "./naming";
import { generatePassword, matchesVerifier, scramVerifier } from "./scram";

const pgError = (code: string, message = "boom") => Object.assign(new Error(message), { code, severity: "ERROR" });

describe("physical names", () => {
  const env = "0b8f6a7e-2c1d-4e5f-9a8b-7c6d5e4f3a2b";

  it("adds a stable 6-hex suffix from the environment id, different per environment", () => {
    const suffix = environmentSuffix(env);
    expect(suffix).toMatch(/^[0-9a-f]{6}$/);
    expect(physicalName("orders_dev", env)).toBe(`orders_dev_${suffix}`);
    expect(physicalName("orders_dev", env)).toBe(physicalName("orders_dev", env));
    expect(physicalName("orders_dev", "another-environment")).not.toBe(physicalName("orders_dev", env));
  });

  it("is idempotent, so a resolved reference to a real name stays that name", () => {
    const once = physicalName("orders_owner", env);
    expect(physicalName(once, env)).toBe(once);
    expect(hasEnvironmentSuffix(once, env)).toBe(true);
    expect(hasEnvironmentSuffix("orders_owner", env)).toBe(false);
  });

  it("cuts long names to 63 characters, keeping the suffix and the identifier alphabet", () => {
    const long = `a${"b".repeat(62)}`;
    const name = physicalName(long, env);
    expect(name).toHaveLength(63);
    expect(name.endsWith(`_${environmentSuffix(env)}`)).toBe(true);
    expect(name).toMatch(physicalNamePattern);
  });
});

describe("SCRAM-SHA-256 verifiers", () => {
  it("produces PostgreSQL's format and verifies only the right password", () => {
    const password = generatePassword();
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const verifier = scramVerifier(password);
    expect(verifier).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(verifier).not.toContain(password);
    expect(matchesVerifier(password, verifier)).toBe(true);
    expect(matchesVerifier(`${password}x`, verifier)).toBe(false);
    expect(matchesVerifier(password, null)).toBe(false);
    expect(matchesVerifier(password, "md5abcdef")).toBe(false);
    // The server accepting it for a login is checked against the real PostgreSQL in engine.test.ts.
  });
});

describe("errors", () => {
  it.each([["ECONNREFUSED"], ["ECONNRESET"], ["ETIMEDOUT"], ["53300"], ["55P03"], ["55006"], ["57P01"], ["57P03"], ["40001"], ["40P01"], ["08006"]])(
    "%s is transient",
    (code) => {
      expect(isTransientCause(pgError(code))).toBe(true);
      expect(toEngineError(pgError(code), 'create role "x"').kind).toBe("transient");
    },
  );

  it.each([["42501"], ["42601"], ["42710"], ["28P01"], ["28000"], ["3D000"], ["22023"], ["2BP01"], ["0A000"], ["XX000"]])(
    "%s is permanent",
    (code) => {
      expect(toEngineError(pgError(code), 'create role "x"').kind).toBe("permanent");
    },
  );

  it("treats a dropped connection without a code as transient and a programming error as permanent", () => {
    expect(toEngineError(new Error("Connection terminated unexpectedly"), "read").kind).toBe("transient");
    expect(toEngineError(new Error("timeout expired"), "read").kind).toBe("transient");
    expect(toEngineError(new TypeError("x is not a function"), "read").kind).toBe("permanent");
  });

  it("says what failed, with the SQLSTATE and a retry-after hint for a full server", () => {
    const error = toEngineError(pgError("53300", "sorry, too many clients already"), 'create database "orders_1a2b3c"', { address: "db" });
    expect(error).toBeInstanceOf(EngineError);
    expect(error.message).toBe('could not create database "orders_1a2b3c": sorry, too many clients already (SQLSTATE 53300)');
    expect(error.options).toMatchObject({ code: "53300", address: "db", retryAfterMs: 2000 });
    const refused = toEngineError(Object.assign(new AggregateError([], ""), { code: "ECONNREFUSED" }), "read");
    expect(refused.message).toBe("could not read: connection refused (ECONNREFUSED)");
  });

  it("never lets a secret through: given secrets, URLs, password clauses and verifiers are masked", () => {
    const secret = "S3cr3t-pa55word_xyz";
    const message = `failed near "${secret}" for postgresql://app:${secret}@db:5432/x and PASSWORD '${secret}' password=${secret} SCRAM-SHA-256$4096:abc$def:ghi`;
    const out = redact(message, [secret]);
    expect(out).not.toContain(secret);
    expect(out).not.toContain("abc$def");
    expect(out).toContain("postgresql://***");
    expect(redact('password authentication failed for user "app"')).toBe('password authentication failed for user "app"');
    const wrapped = toEngineError(pgError("42601", `syntax error at or near "${secret}"`), "alter role", { secrets: [secret] });
    expect(wrapped.message).not.toContain(secret);
    const passthrough = toEngineError(new EngineError("permanent", `bad ${secret}`), "x", { secrets: [secret], address: "db" });
    expect(passthrough.message).toBe("bad ***");
    expect(passthrough.options.address).toBe("db");
  });
});

describe("statement timeout settings", () => {
  it("reads PostgreSQL's units back as seconds", () => {
    expect(statementTimeoutSeconds(["statement_timeout=60s"])).toBe(60);
    expect(statementTimeoutSeconds(["search_path=x", "statement_timeout=5min"])).toBe(300);
    expect(statementTimeoutSeconds(["statement_timeout=120000"])).toBe(120);
    expect(statementTimeoutSeconds(["statement_timeout=1h"])).toBe(3600);
    expect(statementTimeoutSeconds(null)).toBeNull();
  });
});
