/**
 * SCRAM-SHA-256 password verifiers (RFC 5802/7677, PostgreSQL's `rolpassword` format), computed
 * here so that `CREATE ROLE … PASSWORD` and `ALTER ROLE … PASSWORD` carry the verifier, never the
 * password: a statement that fails is written to the server's log with its text, and a verifier
 * reveals nothing a login could use. This is what psql's \password does (PQencryptPasswordConn).
 *
 * Passwords here are the engine's own (base64url): printable ASCII, for which SASLprep is the
 * identity, so no normalisation is needed; anything else is refused.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";

const ITERATIONS = 4096;
const printableAscii = /^[\x21-\x7e]+$/;
const verifierPattern = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/;

function keys(password: string, salt: Buffer, iterations: number): { storedKey: Buffer; serverKey: Buffer } {
  if (!printableAscii.test(password)) throw new Error("SCRAM verifiers are only computed for printable ASCII passwords");
  const salted = pbkdf2Sync(Buffer.from(password, "utf8"), salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  return {
    storedKey: createHash("sha256").update(clientKey).digest(),
    serverKey: createHmac("sha256", salted).update("Server Key").digest(),
  };
}

export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = ITERATIONS): string {
  const { storedKey, serverKey } = keys(password, salt, iterations);
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

/** Whether `password` matches a stored SCRAM-SHA-256 verifier; false for any other format (md5, null). */
export function matchesVerifier(password: string, verifier: string | null | undefined): boolean {
  const m = verifier ? verifierPattern.exec(verifier) : null;
  if (!m || !printableAscii.test(password)) return false;
  const [, iterations = "", salt = "", stored = "", server = ""] = m;
  const computed = keys(password, Buffer.from(salt, "base64"), Number.parseInt(iterations, 10));
  const storedKey = Buffer.from(stored, "base64");
  const serverKey = Buffer.from(server, "base64");
  return (
    storedKey.length === computed.storedKey.length &&
    serverKey.length === computed.serverKey.length &&
    timingSafeEqual(storedKey, computed.storedKey) &&
    timingSafeEqual(serverKey, computed.serverKey)
  );
}

/** A strong generated password: 24 random bytes as base64url (32 characters, URL-safe). */
export function generatePassword(): string {
  return randomBytes(24).toString("base64url");
}
