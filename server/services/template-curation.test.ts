import { TRPCError } from "@trpc/server";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { auditEvents } from "~/db/schema";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeUser } from "~/testing/fixtures";
import { templateYaml, uniqueTemplateName } from "~/testing/templates";

let db: Database;
let admin: Awaited<ReturnType<typeof callerFor>>;
let developer: Awaited<ReturnType<typeof callerFor>>;
let adminId: string;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  const a = await makeUser(db, { globalRole: "admin", name: "Ada Admin" });
  adminId = a.id;
  admin = await callerFor(db, a.id);
  developer = await callerFor(db, (await makeUser(db)).id);
});

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError & { shape?: unknown };
}

async function auditActions(templateId: string) {
  const rows = await db.select().from(auditEvents).where(eq(auditEvents.subjectId, templateId)).orderBy(auditEvents.id);
  return rows.map((r) => r.action);
}

describe("template curation", () => {
  it("drafts, edits and publishes a new template, auditing every step", async () => {
    const name = uniqueTemplateName("cur");
    const broken = templateYaml(name).replace("default: 20", "default: 999");
    const draft = await admin.templateAdmin.createDraft({ yaml: broken });
    expect(draft).toMatchObject({ name, version: "1.0.0", issueCount: 1 });

    // A draft with problems is not published, and says why.
    const refused = await failure(admin.templateAdmin.publish({ versionId: draft.versionId, expectedLockVersion: draft.lockVersion }));
    expect(refused.code).toBe("BAD_REQUEST");
    expect(refused.message).toMatch(
      /The draft has 1 problem; fix them before publishing \(first: line \d+, spec\.parameters\[1\]\.default: default 999/,
    );

    // Not in the catalog while it is a draft; admins see it.
    expect((await developer.catalog.list()).map((t) => t.name)).not.toContain(name);
    await expect(developer.catalog.get({ name })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await admin.templateAdmin.list()).draftOnly.map((d) => d.name)).toContain(name);

    const saved = await admin.templateAdmin.updateDraft({
      versionId: draft.versionId,
      yaml: templateYaml(name),
      expectedLockVersion: draft.lockVersion,
    });
    expect(saved).toMatchObject({ issueCount: 0, lockVersion: 2 });
    const published = await admin.templateAdmin.publish({ versionId: draft.versionId, expectedLockVersion: saved.lockVersion });
    expect(published.contentHash).toMatch(/^[0-9a-f]{64}$/);

    const page = await developer.catalog.get({ name });
    expect(page.latest).toMatchObject({ version: "1.0.0", title: "Test box" });
    expect(page.versions[0]).toMatchObject({ status: "published", publishedBy: "Ada Admin" });
    expect(await auditActions(draft.templateId)).toEqual([
      "template.created",
      "template.draft_created",
      "template.draft_updated",
      "template.published",
    ]);
    const [event] = await db.select().from(auditEvents).where(eq(auditEvents.action, "template.published")).limit(1);
    expect(event?.actorId).toBe(adminId);
  });

  it("refuses to change a published version and asks for a higher version", async () => {
    const name = uniqueTemplateName("cur");
    const first = await admin.templateAdmin.createDraft({ yaml: templateYaml(name) });
    await admin.templateAdmin.publish({ versionId: first.versionId, expectedLockVersion: first.lockVersion });

    const again = await failure(admin.templateAdmin.updateDraft({ versionId: first.versionId, yaml: templateYaml(name), expectedLockVersion: 2 }));
    expect(again.message).toContain("already published; published versions never change");

    const same = await failure(admin.templateAdmin.createDraft({ yaml: templateYaml(name) }));
    expect(same).toMatchObject({ code: "CONFLICT", message: "Version 1.0.0 already exists (published); choose a new spec.version." });

    const next = await admin.templateAdmin.createDraft({ yaml: templateYaml(name, "1.1.0") });
    const lower = await failure(
      admin.templateAdmin.updateDraft({ versionId: next.versionId, yaml: templateYaml(name, "0.9.0"), expectedLockVersion: next.lockVersion }),
    );
    expect(lower.message).toBe("spec.version 0.9.0 must be higher than the published 1.0.0.");
    const renamed = await failure(
      admin.templateAdmin.updateDraft({
        versionId: next.versionId,
        yaml: templateYaml("another-name", "1.1.0"),
        expectedLockVersion: next.lockVersion,
      }),
    );
    expect(renamed.message).toContain(`metadata.name must stay "${name}"`);
  });

  it("names the problem when a draft cannot even be identified", async () => {
    const syntax = await failure(admin.templateAdmin.createDraft({ yaml: "metadata: [unclosed" }));
    expect(syntax.message).toMatch(/^The YAML does not parse \(line \d+\)/);
    const noVersion = await failure(admin.templateAdmin.createDraft({ yaml: `metadata:\n  name: ${uniqueTemplateName()}\n` }));
    expect(noVersion.message).toContain("spec.version must be set");
  });

  it("lets only one of two editors save over the same draft version", async () => {
    const name = uniqueTemplateName("cur");
    const draft = await admin.templateAdmin.createDraft({ yaml: templateYaml(name) });
    const edits = await Promise.allSettled(
      ["First title", "Second title"].map((title) =>
        admin.templateAdmin.updateDraft({
          versionId: draft.versionId,
          yaml: templateYaml(name, "1.0.0", { metadata: { title } }),
          expectedLockVersion: draft.lockVersion,
        }),
      ),
    );
    expect(edits.filter((e) => e.status === "fulfilled")).toHaveLength(1);
    const loser = edits.find((e) => e.status === "rejected");
    expect((loser as PromiseRejectedResult).reason).toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("Someone else saved this draft"),
    });
  });

  it("publishes a draft exactly once when publish is clicked twice", async () => {
    const name = uniqueTemplateName("cur");
    const draft = await admin.templateAdmin.createDraft({ yaml: templateYaml(name) });
    const results = await Promise.allSettled(
      [1, 2].map(() => admin.templateAdmin.publish({ versionId: draft.versionId, expectedLockVersion: draft.lockVersion })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect((await auditActions(draft.templateId)).filter((a) => a === "template.published")).toHaveLength(1);
  });

  it("deprecates a template: hidden from the catalog list, its page and versions kept; restore brings it back", async () => {
    const name = uniqueTemplateName("cur");
    const draft = await admin.templateAdmin.createDraft({ yaml: templateYaml(name) });
    await admin.templateAdmin.publish({ versionId: draft.versionId, expectedLockVersion: draft.lockVersion });

    const noReason = await failure(admin.templateAdmin.deprecate({ templateId: draft.templateId, reason: "" }));
    expect(noReason.code).toBe("BAD_REQUEST");
    expect(noReason.message).toMatch(/reason: say why/);

    await admin.templateAdmin.deprecate({ templateId: draft.templateId, reason: "Replaced by web-service" });
    expect((await developer.catalog.list()).map((t) => t.name)).not.toContain(name);
    const page = await developer.catalog.get({ name });
    expect(page.template.deprecationReason).toBe("Replaced by web-service");
    expect(page.latest?.deprecated).toBe(true);
    expect((await admin.templateAdmin.list()).templates.find((t) => t.name === name)?.deprecated).toBe(true);
    await expect(admin.templateAdmin.deprecate({ templateId: draft.templateId, reason: "again" })).rejects.toMatchObject({ code: "CONFLICT" });

    await admin.templateAdmin.restore({ templateId: draft.templateId });
    expect((await developer.catalog.list()).map((t) => t.name)).toContain(name);
    expect(await auditActions(draft.templateId)).toEqual(expect.arrayContaining(["template.deprecated", "template.restored"]));
  });

  it("deletes a draft but never a published version", async () => {
    const name = uniqueTemplateName("cur");
    const draft = await admin.templateAdmin.createDraft({ yaml: templateYaml(name) });
    await admin.templateAdmin.deleteDraft({ versionId: draft.versionId, expectedLockVersion: draft.lockVersion });
    expect((await admin.templateAdmin.get({ name })).versions).toEqual([]);

    const next = await admin.templateAdmin.createDraft({ yaml: templateYaml(name, "2.0.0") });
    await admin.templateAdmin.publish({ versionId: next.versionId, expectedLockVersion: next.lockVersion });
    const refused = await failure(admin.templateAdmin.deleteDraft({ versionId: next.versionId, expectedLockVersion: 2 }));
    expect(refused.message).toContain("already published");
  });

  it("previews a valid draft: generated form fields, cost range and plan", async () => {
    const result = await admin.templateAdmin.validate({ yaml: templateYaml("preview") });
    expect(result.issues).toEqual([]);
    expect(result.preview?.parameters.map((p) => p.name)).toEqual(["instance_type", "disk_gb", "owner_note"]);
    expect(result.preview?.costRange.minMonthlyCents).toBeLessThan(result.preview!.costRange.maxMonthlyCents);
    expect(result.preview?.plan.resources.map((r) => r.address)).toEqual(["net", "subnet", "box"]);
    const broken = await admin.templateAdmin.validate({ yaml: templateYaml("preview").replace("type: instance", "type: mainframe") });
    expect(broken.preview).toBeNull();
    expect(broken.issues[0]).toMatchObject({ path: "spec.resources[2].type", line: expect.any(Number) });
  });
});
