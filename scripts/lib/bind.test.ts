import { describe, expect, it } from "vitest";
import { chooseBind, describeBind, probeHost } from "./bind";

describe("where the web server listens", () => {
  it("is this machine only when demo sign-in is on, unless PROVISIO_BIND says otherwise, and says so", () => {
    expect(chooseBind(undefined, true)).toBe("127.0.0.1");
    expect(describeBind("127.0.0.1", true)).toBe(
      "provisio: demo sign-in is on, so the web server listens on 127.0.0.1 only (this machine); set PROVISIO_BIND=0.0.0.0 to serve other machines",
    );
    expect(chooseBind("0.0.0.0", true)).toBe("0.0.0.0");
    expect(describeBind("0.0.0.0", true)).toMatch(
      /^provisio: warning: demo sign-in is on and the web server listens on 0\.0\.0\.0: anyone who can reach it can sign in as an admin/,
    );
  });

  it("keeps Next's default (every interface) without demo sign-in, or the configured address", () => {
    expect(chooseBind(undefined, false)).toBeNull();
    expect(describeBind(null, false)).toBe("provisio: the web server listens on every interface");
    expect(chooseBind("10.1.2.3", false)).toBe("10.1.2.3");
  });

  it("reaches the server for health checks on the address it listens on", () => {
    expect(probeHost(null)).toBe("127.0.0.1");
    expect(probeHost("0.0.0.0")).toBe("127.0.0.1");
    expect(probeHost("::")).toBe("127.0.0.1");
    expect(probeHost("::1")).toBe("[::1]");
    expect(probeHost("10.1.2.3")).toBe("10.1.2.3");
  });
});
