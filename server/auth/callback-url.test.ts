import { describe, expect, it } from "vitest";
import { safeCallbackPath, safeRedirect } from "./callback-url";

describe("finding 6: sign-in only sends the browser to a path of this site", () => {
  // The values as the sign-in page receives them: searchParams are decoded once.
  it.each([
    ["/\\evil.example/", "backslash (from %5C): browsers read it as //"],
    ["/\t/evil.example/", "tab (from %09): browsers drop it, leaving //"],
    ["/\n/evil.example/", "line feed"],
    ["/\r/evil.example/", "carriage return"],
    ["//evil.example/", "protocol-relative"],
    ["/.//evil.example/", "normalises to //"],
    ["/%2e//evil.example/", "encoded dot segment that normalises to //"],
    ["https://evil.example/", "absolute URL"],
    ["javascript:alert(1)", "script URL"],
    ["evil.example", "not a path"],
    ["/\u0000", "NUL"],
    ["", "empty"],
  ])("refuses %j (%s)", (value) => {
    expect(safeCallbackPath(value)).toBe("/");
  });

  it("refuses a repeated parameter (an array) without failing", () => {
    expect(safeCallbackPath(["/a", "/b"])).toBe("/");
  });

  it.each([
    ["/requests/123?tab=timeline#c4", "/requests/123?tab=timeline#c4"],
    ["/environments", "/environments"],
    ["/catalog/web-service", "/catalog/web-service"],
    ["/a/../admin", "/admin"],
  ])("keeps the same-site path %s", (value, expected) => {
    expect(safeCallbackPath(value)).toBe(expected);
  });

  it("is the rule of next-auth's redirect callback too", () => {
    const base = "http://localhost:3000";
    expect(safeRedirect("/requests/1", base)).toBe("http://localhost:3000/requests/1");
    expect(safeRedirect("http://localhost:3000/environments?x=1", base)).toBe("http://localhost:3000/environments?x=1");
    expect(safeRedirect("/\\evil.example/", base)).toBe("http://localhost:3000/");
    expect(safeRedirect("https://evil.example/", base)).toBe("http://localhost:3000/");
    expect(safeRedirect("http://localhost:3000//evil.example/", base)).toBe("http://localhost:3000/");
  });
});
