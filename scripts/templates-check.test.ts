import { spawnSync } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");
const tsx = path.join(root, "node_modules", ".bin", "tsx");
let copy: string;

const check = (dir?: string) =>
  spawnSync(tsx, [path.join(root, "scripts", "templates-check.ts"), ...(dir ? [dir] : [])], { cwd: root, encoding: "utf8" });

beforeAll(async () => {
  copy = await mkdtemp(path.join(os.tmpdir(), "provisio-check-"));
  await cp(path.join(root, "templates"), copy, { recursive: true });
});
afterAll(async () => {
  await rm(copy, { recursive: true, force: true });
});

describe("npm run templates:check", () => {
  it("passes on the shipped catalog and lists every template with its cost range", () => {
    const result = check();
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/✓ web-service\s+\d+\.\d+\.\d+\s+sim\s+\d+ resources\s+dev\/staging\/prod\s+\$[\d,]+–\$[\d,]+\/month/);
    expect(result.stdout).toMatch(/templates:check: (\d+) of \1 templates valid, 0 problems/);
  });

  it("fails on a broken copy with file, line, field path and message", async () => {
    const file = path.join(copy, "web-service", "template.yaml");
    const yaml = await readFile(file, "utf8");
    await writeFile(file, yaml.replace("instance_type: ${params.instance_type}", "instance_type: ${params.instance_size}"));
    const line = yaml.split("\n").findIndex((l) => l.includes("instance_type: ${params.instance_type}")) + 1;
    const result = check(copy);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `${path.join(copy, "web-service", "template.yaml")}:${line}:24 spec.resources[6].properties.instance_type: refers to parameter "instance_size", which is not declared`,
    );
    expect(result.stdout).toMatch(/templates:check: \d+ of \d+ templates valid, 1 problem\n/);
  });
});
