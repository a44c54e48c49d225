import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readScalar, replaceScalar } from "~/components/curation/yaml-text";
import type { Database } from "~/db/client";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeUser } from "~/testing/fixtures";
import { parseTemplateYaml } from "./parse";
import { yamlLimits, yamlShapeProblem } from "./yaml-limits";

/**
 * The template editor's finding: 255 KB of nested `[` cost the parser seconds per pass (the
 * editor parsed it several times per keystroke). The shape is measured before any parse.
 */

const size = 255 * 1024;
const pathological: [string, string, RegExp][] = [
  ["255 KB of [", "[".repeat(size), /nested too deeply \(more than 32 levels of \[ and \{\)/],
  ["255 KB of {a: ", "{a: ".repeat(size / 4), /nested too deeply/],
  ["255 KB of - ", "- ".repeat(size / 2), /more than 16 levels on one line/],
  ["20,000 keys", Array.from({ length: 20_000 }, (_, i) => `k${i}: v`).join("\n"), /too many elements/],
  ["deep indentation", Array.from({ length: 300 }, (_, i) => `${" ".repeat(i)}a:`).join("\n"), /indented more than 128 columns/],
];

describe("YAML measured before it is parsed", () => {
  it.each(pathological)("refuses %s at once, with where", (_, text, message) => {
    const started = performance.now();
    const result = parseTemplateYaml(text);
    const elapsed = performance.now() - started;
    expect(result.ok).toBe(false);
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]?.message).toMatch(message);
    expect(result.issues[0]?.line).toBeGreaterThanOrEqual(1);
    // The lexer stops at the first broken limit; the parser never runs (it took seconds here).
    expect(elapsed).toBeLessThan(1_000);
  });

  it("leaves the editor's own parses of such text alone", () => {
    const text = "[".repeat(size);
    expect(readScalar(text, ["metadata", "name"])).toBeNull();
    expect(replaceScalar(text, ["spec", "version"], "1.0.1")).toBe(text);
  });

  it("accepts every shipped template with room to spare", () => {
    const root = path.resolve(import.meta.dirname, "../../templates");
    const folders = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(folders.length).toBeGreaterThan(5);
    for (const folder of folders) {
      const text = readFileSync(path.join(root, folder.name, "template.yaml"), "utf8");
      expect(yamlShapeProblem(text), folder.name).toBeNull();
      expect(yamlShapeProblem(text.repeat(5)), folder.name).toBeNull();
    }
  });

  it("counts bytes, not characters", () => {
    expect(yamlShapeProblem("é".repeat(yamlLimits.maxBytes / 2 + 1))?.message).toMatch(/larger than 256 KB/);
  });
});

describe("drafts through the API", () => {
  let db: Database;
  beforeAll(async () => {
    ({ db } = await createTestDatabase());
  });

  it("refuses to save a pathological draft, naming the yaml field, at once", async () => {
    const admin = await callerFor(db, (await makeUser(db, { globalRole: "admin" })).id);
    const started = performance.now();
    const error = (await admin.templateAdmin.createDraft({ yaml: "[".repeat(size) }).catch((e: unknown) => e)) as { code: string; message: string; cause?: { field?: string } };
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.cause?.field).toBe("yaml");
    expect(error.message).toMatch(/^The YAML is nested too deeply .* \(line 1\)\.$/);
    const validation = await admin.templateAdmin.validate({ yaml: "[".repeat(size) });
    expect(validation.issues[0]?.message).toMatch(/nested too deeply/);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
