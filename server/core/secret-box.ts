/**
 * Secrets at rest: AES-256-GCM with a key derived from NEXTAUTH_SECRET by HKDF-SHA256, one key
 * per purpose (webhook signing secrets, environment outputs…). Web and worker get the same
 * NEXTAUTH_SECRET from the launcher, so both can seal and open.
 *
 * Sealed form: `v1.<iv>.<tag>.<ciphertext>` (base64url parts). The caller's `context` (e.g.
 * `webhook:<id>`) is authenticated as associated data: a ciphertext copied onto another row does
 * not open there. Changing NEXTAUTH_SECRET makes existing secrets unreadable (`open` throws
 * SecretBoxError); for webhooks that means rotating their secrets.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { envVar, isTestRun } from "~/server/env";

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretBoxError";
  }
}

const VERSION = "v1";
const SALT = "provisio.secret-box.v1";

// Tests run without the web/worker environment: a random key per test process (never on disk).
let testMaster: string | undefined;

function masterSecret(): string {
  try {
    return envVar("NEXTAUTH_SECRET");
  } catch {
    if (isTestRun()) return (testMaster ??= randomBytes(32).toString("base64url"));
    throw new SecretBoxError("NEXTAUTH_SECRET is not set (at least 16 characters): secrets cannot be encrypted or decrypted.");
  }
}

const keys = new Map<string, Buffer>();

function keyFor(purpose: string): Buffer {
  const master = masterSecret();
  const cacheKey = `${purpose}\0${master}`;
  let key = keys.get(cacheKey);
  if (!key) {
    key = Buffer.from(hkdfSync("sha256", master, SALT, `provisio:${purpose}`, 32));
    keys.set(cacheKey, key);
  }
  return key;
}

export function sealSecret(plaintext: string, purpose: string, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyFor(purpose), iv);
  cipher.setAAD(Buffer.from(context, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [VERSION, iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), ciphertext.toString("base64url")].join(".");
}

export function openSecret(sealed: string, purpose: string, context: string): string {
  const [version, iv, tag, ciphertext, ...rest] = sealed.split(".");
  if (version !== VERSION || !iv || !tag || ciphertext === undefined || rest.length > 0) {
    throw new SecretBoxError("The stored secret has an unknown format.");
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", keyFor(purpose), Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    // Never echo the ciphertext or the key; the cause is a changed NEXTAUTH_SECRET or a tampered row.
    throw new SecretBoxError("The stored secret cannot be decrypted (was NEXTAUTH_SECRET changed?).");
  }
}

/** A masked hint for people who may see that a secret exists, never the secret: `…abcd`. */
export function secretHint(secret: string): string {
  return `…${secret.slice(-4)}`;
}

/**
 * A stable secret for `purpose`, derived from NEXTAUTH_SECRET (hex): every process of one
 * install computes the same value, so none has to store it (e.g. the Terraform state role's
 * password).
 */
export function derivedSecret(purpose: string): string {
  return keyFor(`derived:${purpose}`).toString("hex");
}
