import { describe, expect, it } from "vitest";
import { canonicalRedirect, movedFromOf, movedNotice } from "./canonical-host";

describe("canonical host", () => {
  it("serves every host when no public URL is configured", () => {
    expect(canonicalRedirect(new URL("http://127.0.0.1:3000/catalog"), "127.0.0.1:3000", undefined)).toBeNull();
  });

  it("serves the configured host and sends others there with the host they opened", () => {
    const url = new URL("http://127.0.0.1:3000/requests?status=open");
    expect(canonicalRedirect(url, "localhost:3000", "http://localhost:3000")).toBeNull();
    expect(canonicalRedirect(url, "LOCALHOST:3000", "http://localhost:3000")).toBeNull();
    const moved = canonicalRedirect(url, "127.0.0.1:3000", "http://localhost:3000");
    expect(moved?.toString()).toBe("http://localhost:3000/requests?status=open&movedFrom=127.0.0.1%3A3000");
    expect(canonicalRedirect(url, "provisio.lan:3000", "https://provisio.example.com")?.origin).toBe("https://provisio.example.com");
  });

  it("explains the move on the sign-in page, from its own query or its callbackUrl", () => {
    expect(movedFromOf({ callbackUrl: "/requests?movedFrom=127.0.0.1%3A3000" })).toBe("127.0.0.1:3000");
    expect(movedFromOf({ movedFrom: "box.lan" })).toBe("box.lan");
    expect(movedFromOf({ callbackUrl: "/catalog" })).toBeNull();
    expect(movedNotice("127.0.0.1:3000", "http://localhost:3000")).toContain("served at http://localhost:3000");
    expect(movedNotice("<script>", "http://localhost:3000")).toBeNull();
  });
});
