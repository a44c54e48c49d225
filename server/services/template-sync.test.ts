import { eq } from "drizzle-orm";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { auditEvents, templates, templateVersions } from "~/db/schema";
import { createTestDatabase } from "~/testing/db";
import { stringify } from "yaml";
import { templateDocumentFor, templateYaml } from "~/testing/templates";
import { listCatalog } from "./catalog";
import { lastSyncRefusals, syncTemplates } from "./template-sync";

let db: Database;
let dir: string;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  dir = await mkdtemp(path.join(os.tmpdir(), "provisio-templates-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeTemplate(name: string, yaml: string) {
  await mkdir(path.join(dir, name), { recursive: true });
  await writeFile(path.join(dir, name, "template.yaml"), yaml);
}

async function versionsOf(name: string) {
  const rows = await db
    .select({ version: templateVersions.version, hash: templateVersions.contentHash, yaml: templateVersions.yaml })
    .from(templateVersions)
    .innerJoin(templates, eq(templates.id, templateVersions.templateId))
    .where(eq(templates.name, name));
  return rows.sort((a, b) => a.version.localeCompare(b.version));
}

describe("template sync", () => {
  it("publishes new folders, reports broken ones with file and line, and loads the rest", async () => {
    await writeTemplate("alpha", templateYaml("alpha"));
    await writeTemplate("beta", templateYaml("beta"));
    await writeTemplate("broken", "apiVersion: provisio.dev/v1\nkind: Template\nmetadata: [oops\n");
    await writeTemplate("wrong-name", templateYaml("not-the-folder"));
    await mkdir(path.join(dir, "empty"));

    const report = await syncTemplates(db, dir, dir);
    expect(report.published.sort()).toEqual(["alpha@1.0.0", "beta@1.0.0"]);
    expect(report.errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^broken\/template\.yaml:\d+:\d+ YAML: /),
        expect.stringContaining('wrong-name/template.yaml:4:9 metadata.name: must match the folder name "wrong-name"'),
        "empty/template.yaml template.yaml is missing",
      ]),
    );
    expect((await listCatalog(db)).map((t) => t.name).sort()).toEqual(["alpha", "beta"]);
    // Counted per file, and kept for the admin Templates page.
    expect(report.refused.map((r) => r.file).sort()).toEqual(["broken/template.yaml", "empty/template.yaml", "wrong-name/template.yaml"]);
    expect((await lastSyncRefusals(db)).map((r) => r.file)).toEqual(["broken/template.yaml", "empty/template.yaml", "wrong-name/template.yaml"]);
    const audit = await db.select().from(auditEvents).where(eq(auditEvents.action, "template.published"));
    expect(audit).toHaveLength(2);
    expect(audit[0]?.actorLabel).toBe("system");
  });

  it("leaves an unchanged version alone, even when only comments or formatting changed", async () => {
    await writeTemplate("alpha", `# A comment added later\n${templateYaml("alpha")}\n\n`);
    const report = await syncTemplates(db, dir, dir);
    expect(report.unchanged).toContain("alpha@1.0.0");
    expect(report.published).toEqual([]);
    expect(await versionsOf("alpha")).toHaveLength(1);
  });

  it("refuses changed content under a published version number and keeps the published one", async () => {
    const before = await versionsOf("alpha");
    await writeTemplate("alpha", templateYaml("alpha", "1.0.0", { metadata: { title: "Sneaky change" } }));
    const report = await syncTemplates(db, dir, dir);
    expect(report.errors).toContainEqual(
      expect.stringContaining("alpha/template.yaml: version 1.0.0 of alpha is already published with different content"),
    );
    expect(report.errors.join("\n")).toContain("give the change a new spec.version");
    expect(await versionsOf("alpha")).toEqual(before);
  });

  it("publishes a new version number next to the old one", async () => {
    await writeTemplate("alpha", templateYaml("alpha", "1.1.0", { metadata: { title: "Test box, bigger" } }));
    const report = await syncTemplates(db, dir, dir);
    expect(report.published).toEqual(["alpha@1.1.0"]);
    expect((await versionsOf("alpha")).map((v) => v.version)).toEqual(["1.0.0", "1.1.0"]);
    expect((await listCatalog(db)).find((t) => t.name === "alpha")).toMatchObject({ version: "1.1.0", title: "Test box, bigger" });
  });

  it("refuses a version older than the newest published", async () => {
    await writeTemplate("alpha", templateYaml("alpha", "1.0.5"));
    const report = await syncTemplates(db, dir, dir);
    expect(report.errors).toContainEqual(expect.stringContaining("version 1.0.5 of alpha is older than the published 1.1.0"));
    await writeTemplate("alpha", templateYaml("alpha", "1.1.0", { metadata: { title: "Test box, bigger" } }));
  });

  it("counts terraform module files as part of the version", async () => {
    const doc = templateDocumentFor("zone");
    doc.spec.engine = "terraform";
    doc.spec.parameters = [];
    doc.spec.resources = [{ id: "zone", type: "module", properties: { source: "./module", inputs: {}, sku: "dns.zone" } }];
    doc.spec.outputs = [];
    doc.spec.policy.tags = {};
    doc.spec.policy.requiredTags = [];
    await writeTemplate("zone", stringify(doc));
    await mkdir(path.join(dir, "zone", "module"));
    await writeFile(path.join(dir, "zone", "module", "variables.tf"), 'variable "tags" {\n  type    = map(string)\n  default = {}\n}\n');
    await writeFile(path.join(dir, "zone", "module", "main.tf"), 'resource "terraform_data" "zone" {}\n');
    expect((await syncTemplates(db, dir, dir)).published).toEqual(["zone@1.0.0"]);
    await writeFile(path.join(dir, "zone", "module", "main.tf"), 'resource "terraform_data" "zone" { input = "changed" }\n');
    const report = await syncTemplates(db, dir, dir);
    expect(report.errors).toContainEqual(expect.stringContaining("version 1.0.0 of zone is already published with different content"));
  });

  it("deprecates a template whose folder was removed, and restores it when the folder is back", async () => {
    await cp(path.join(dir, "beta"), path.join(dir, "..", `beta-${path.basename(dir)}`), { recursive: true });
    await rm(path.join(dir, "beta"), { recursive: true });
    const report = await syncTemplates(db, dir, dir);
    expect(report.deprecated).toEqual(["beta"]);
    expect((await listCatalog(db)).map((t) => t.name)).not.toContain("beta");
    const [beta] = await db.select().from(templates).where(eq(templates.name, "beta"));
    expect(beta?.deprecationReason).toBe("templates/beta was removed");
    // Its published version is still there for the environments made from it.
    expect(await versionsOf("beta")).toHaveLength(1);

    await cp(path.join(dir, "..", `beta-${path.basename(dir)}`), path.join(dir, "beta"), { recursive: true });
    await rm(path.join(dir, "..", `beta-${path.basename(dir)}`), { recursive: true });
    const back = await syncTemplates(db, dir, dir);
    expect(back.restored).toEqual(["beta@1.0.0"]);
    expect((await listCatalog(db)).map((t) => t.name)).toContain("beta");
  });

  it("keeps a broken template's published versions instead of deprecating it", async () => {
    await writeTemplate("beta", "kind: [");
    const report = await syncTemplates(db, dir, dir);
    expect(report.deprecated).toEqual([]);
    expect((await listCatalog(db)).map((t) => t.name)).toContain("beta");
    await writeTemplate("beta", templateYaml("beta"));
  });

  it("refuses a missing templates folder instead of deprecating everything", async () => {
    await expect(syncTemplates(db, path.join(dir, "no-such-folder"), dir)).rejects.toThrow("does not exist");
    expect((await listCatalog(db)).length).toBeGreaterThan(0);
  });

  it("runs twice at once without publishing anything twice", async () => {
    await writeTemplate("gamma", templateYaml("gamma"));
    const reports = await Promise.all([syncTemplates(db, dir, dir), syncTemplates(db, dir, dir)]);
    expect(reports.flatMap((r) => r.published)).toEqual(["gamma@1.0.0"]);
    expect(await versionsOf("gamma")).toHaveLength(1);
  });

  it("never lets a published version change, whatever the code path", async () => {
    const [row] = await db.select().from(templateVersions).limit(1);
    await expect(db.update(templateVersions).set({ yaml: "changed" }).where(eq(templateVersions.id, row!.id))).rejects.toMatchObject({
      cause: { message: expect.stringContaining("is published and immutable") },
    });
    await expect(db.delete(templateVersions).where(eq(templateVersions.id, row!.id))).rejects.toMatchObject({
      cause: { message: expect.stringContaining("is published and immutable: DELETE") },
    });
  });
});

describe("refused files on the admin page", () => {
  it("counts a file with several problems once, and a clean sync clears the list", async () => {
    const { db: own } = await createTestDatabase();
    const folder = await mkdtemp(path.join(os.tmpdir(), "provisio-refusals-"));
    try {
      await mkdir(path.join(folder, "twice"), { recursive: true });
      const document = templateDocumentFor("twice");
      // Two problems in one file.
      await writeFile(
        path.join(folder, "twice", "template.yaml"),
        stringify({ ...document, metadata: { ...document.metadata, title: "", category: "" } }),
      );
      const report = await syncTemplates(own, folder, folder);
      expect(report.errors.length).toBeGreaterThan(1);
      expect(report.refused).toHaveLength(1);
      const [row] = await lastSyncRefusals(own);
      expect(row?.file).toBe("twice/template.yaml");
      expect(row?.problems).toEqual(report.errors);

      await writeFile(path.join(folder, "twice", "template.yaml"), templateYaml("twice"));
      expect((await syncTemplates(own, folder, folder)).refused).toEqual([]);
      expect(await lastSyncRefusals(own)).toEqual([]);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
