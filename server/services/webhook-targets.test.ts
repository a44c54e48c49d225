import { describe, expect, it } from "vitest";
import { checkWebhookUrl, classifyAddress, guardedLookup, localTargetsAllowed } from "./webhook-targets";

describe("webhook URL rules", () => {
  const cases: [string, boolean, RegExp | null][] = [
    ["https://hooks.example.com/provisio", false, null],
    ["https://10.1.2.3/hook", false, null],
    ["http://hooks.example.com/provisio", false, /must use https/],
    ["http://localhost:8080/hook", true, null],
    ["http://127.0.0.1:9000/hook", true, null],
    ["http://[::1]:9000/hook", true, null],
    ["http://localhost:8080/hook", false, /localhost/],
    ["https://127.0.0.1/hook", false, /localhost/],
    ["http://169.254.169.254/latest/meta-data/", true, /link-local, metadata/],
    ["https://169.254.169.254/", true, /link-local/],
    ["https://2852039166/", true, /link-local/], // 169.254.169.254 written as a number
    ["https://[::ffff:169.254.169.254]/", true, /link-local/],
    ["https://[fe80::1]/", true, /link-local/],
    // The metadata address inside IPv6: IPv4-compatible, NAT64, IPv4-translated, mapped, 6to4, and the tunnelled ranges.
    ["https://[::169.254.169.254]/", true, /link-local/],
    ["https://[64:ff9b::a9fe:a9fe]/", true, /link-local/],
    ["https://[64:ff9b::169.254.169.254]/", true, /link-local/],
    ["https://[::ffff:0:a9fe:a9fe]/", true, /link-local/],
    ["https://[::ffff:a9fe:a9fe]/", true, /link-local/],
    ["https://[2002:a9fe:a9fe::1]/", true, /link-local/],
    ["https://[64:ff9b:1::a9fe:a9fe]/", true, /link-local/],
    ["https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", true, /link-local/],
    ["https://[::ffff:0:7f00:1]/", false, /localhost/],
    ["https://[64:ff9b::7f00:1]/", false, /localhost/],
    ["https://[::ffff:10.1.2.3]/", false, null],
    ["https://[2001:db8::1]/", false, null],
    ["https://metadata.google.internal/computeMetadata/v1/", true, /metadata/],
    ["https://0.0.0.0/", true, /reserved/],
    ["https://user:pass@hooks.example.com/", false, /user name or password/],
    ["ftp://hooks.example.com/", true, /http\(s\)/],
    ["not a url", true, /http\(s\)/],
  ];
  it.each(cases)("%s (local allowed: %s)", (url, allowLocal, problem) => {
    const result = checkWebhookUrl(url, { allowLocal });
    if (problem) expect(result).toMatch(problem);
    else expect(result).toBeNull();
  });

  it("classifies addresses", () => {
    expect(classifyAddress("169.254.10.1")).toBe("forbidden");
    expect(classifyAddress("127.0.0.53")).toBe("loopback");
    expect(classifyAddress("::ffff:7f00:1")).toBe("loopback");
    expect(classifyAddress("192.168.1.10")).toBe("other");
    expect(classifyAddress("2001:db8::1")).toBe("other");
    expect(classifyAddress("::169.254.169.254")).toBe("forbidden");
    expect(classifyAddress("64:ff9b::a9fe:a9fe")).toBe("forbidden");
    expect(classifyAddress("::ffff:0:a9fe:a9fe")).toBe("forbidden");
    expect(classifyAddress("2002:6464:64c8::")).toBe("forbidden"); // 6to4 of 100.100.100.200 (Alibaba metadata)
    expect(classifyAddress("::ffff:0:0")).toBe("forbidden"); // 0.0.0.0
    expect(classifyAddress("::")).toBe("forbidden");
    expect(classifyAddress("::1")).toBe("loopback");
  });

  it("allows local targets in development, tests and demo installs, or when configured", () => {
    expect(localTargetsAllowed({ NODE_ENV: "production" })).toBe(false);
    expect(localTargetsAllowed({ NODE_ENV: "production", PROVISIO_DEMO: "true" })).toBe(true);
    expect(localTargetsAllowed({ NODE_ENV: "production", PROVISIO_WEBHOOK_ALLOW_LOCAL: "true" })).toBe(true);
    expect(localTargetsAllowed({ NODE_ENV: "development", PROVISIO_WEBHOOK_ALLOW_LOCAL: "false" })).toBe(false);
    expect(localTargetsAllowed({ NODE_ENV: "test" })).toBe(true);
    expect(localTargetsAllowed({})).toBe(false);
  });

  it("refuses at connection time a host name that resolves to loopback when local targets are not allowed", async () => {
    const lookup = guardedLookup({ allowLocal: false });
    const error = await new Promise<Error | null>((resolve) => lookup("localhost", {}, (e) => resolve(e)));
    expect(error?.message).toMatch(/resolves to .* an address webhooks may not reach/);
    const allowed = guardedLookup({ allowLocal: true });
    const address = await new Promise<unknown>((resolve) => allowed("localhost", {}, (e, a) => resolve(e ?? a)));
    expect(typeof address).toBe("string");
  });
});
