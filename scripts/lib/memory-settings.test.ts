import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { OLD_SPACE_LIMIT_MIB, withMemorySettings } from "./memory-settings";

const heapLimitMiB = (env: Record<string, string | undefined>) =>
  Number(
    spawnSync(process.execPath, ["-p", "Math.round(require('v8').getHeapStatistics().heap_size_limit / 1048576)"], {
      env: { ...process.env, NODE_OPTIONS: undefined, MALLOC_ARENA_MAX: undefined, ...env },
      encoding: "utf8",
    }).stdout.trim(),
  );

describe("memory settings of web and worker", () => {
  it("bounds the old space and the malloc arenas, keeping the rest of the environment", () => {
    const env = withMemorySettings({ PORT: "3000" });
    expect(env).toMatchObject({ PORT: "3000", MALLOC_ARENA_MAX: "2", NODE_OPTIONS: `--max-old-space-size=${OLD_SPACE_LIMIT_MIB}` });
  });

  it("lets settings given from outside win", () => {
    const env = withMemorySettings({ MALLOC_ARENA_MAX: "4", NODE_OPTIONS: " --max-old-space-size=3000 --enable-source-maps " });
    expect(env.MALLOC_ARENA_MAX).toBe("4");
    expect(env.NODE_OPTIONS).toBe(`--max-old-space-size=${OLD_SPACE_LIMIT_MIB} --max-old-space-size=3000 --enable-source-maps`);
  });

  it("is what a started Node process applies (the last --max-old-space-size counts)", () => {
    const ours = heapLimitMiB(withMemorySettings({}));
    const outside = heapLimitMiB(withMemorySettings({ NODE_OPTIONS: "--max-old-space-size=2048" }));
    // The limit V8 reports adds the young generation to the old space.
    expect(ours).toBeGreaterThanOrEqual(OLD_SPACE_LIMIT_MIB);
    expect(ours).toBeLessThan(OLD_SPACE_LIMIT_MIB + 100);
    expect(outside).toBeGreaterThanOrEqual(2048);
    expect(outside).toBeLessThan(2048 + 100);
  });
});
