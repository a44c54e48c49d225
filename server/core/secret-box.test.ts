import { describe, expect, it } from "vitest";
import { openSecret, sealSecret, SecretBoxError, secretHint } from "./secret-box";

describe("secret box", () => {
  it("seals with a fresh nonce and opens with the same purpose and context", () => {
    const a = sealSecret("whsec_top-secret-value", "webhook-signing-secret", "webhook:1");
    const b = sealSecret("whsec_top-secret-value", "webhook-signing-secret", "webhook:1");
    expect(a).not.toBe(b);
    expect(a).not.toContain("top-secret");
    expect(a).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(openSecret(a, "webhook-signing-secret", "webhook:1")).toBe("whsec_top-secret-value");
  });

  it("refuses another row's context, another purpose, and tampering, without echoing anything", () => {
    const sealed = sealSecret("s3cret-s3cret-s3cret", "webhook-signing-secret", "webhook:1");
    expect(() => openSecret(sealed, "webhook-signing-secret", "webhook:2")).toThrow(SecretBoxError);
    expect(() => openSecret(sealed, "environment-output", "webhook:1")).toThrow(SecretBoxError);
    const parts = sealed.split(".");
    // Change the ciphertext's first character to another one (a fixed "AA" would sometimes equal the original).
    const body = parts[3]!;
    const flipped = [parts[0], parts[1], parts[2], `${body[0] === "A" ? "B" : "A"}${body.slice(1)}`].join(".");
    expect(() => openSecret(flipped, "webhook-signing-secret", "webhook:1")).toThrow(/cannot be decrypted/);
    expect(() => openSecret("garbage", "webhook-signing-secret", "webhook:1")).toThrow(/unknown format/);
  });

  it("hints at a secret with its last four characters only", () => {
    expect(secretHint("whsec_abcdefghijklmnop")).toBe("…mnop");
  });
});
