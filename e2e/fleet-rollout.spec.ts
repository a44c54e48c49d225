import { expect, test } from "@playwright/test";
import { newPageAs, uniqueName } from "./support/environments";
import { rolloutTemplateYaml } from "../testing/rollout-template";
import { trpcMutation, trpcQuery } from "./support/trpc";

type FleetEnvironment = { id: string; name: string; status: string; version: string };

test("an admin rolls 1.0.1 out over 10 environments with a canary of 2: a forced failure in batch 2 halts it, resume finishes it", async ({
  browser,
}) => {
  test.setTimeout(300_000);
  const name = uniqueName("fleet");

  // Seed: the admin publishes 1.0.0 of a template of this test's own (so no other journey's
  // environments join the rollout); a developer runs ten environments of it; the admin publishes 1.0.1.
  const admin = await newPageAs(browser, "admin", "/catalog");
  const publish = async (version: string) => {
    const draft = await trpcMutation<{ versionId: string; lockVersion: number }>(admin.request, "templateAdmin.createDraft", {
      yaml: rolloutTemplateYaml(name, version),
    });
    await trpcMutation(admin.request, "templateAdmin.publish", { versionId: draft.versionId, expectedLockVersion: draft.lockVersion });
  };
  await publish("1.0.0");
  const developer = await newPageAs(browser, "developer", "/catalog");
  const teams = await trpcQuery<{ id: string; slug: string }[]>(developer.request, "teams.list");
  // Data Science has no instance quota: ten machines in Payments would fill its quota of 20 for the
  // journeys that run after this one on the shared database.
  const dataScience = teams.find((t) => t.slug === "data-science")!;
  for (let i = 0; i < 10; i++)
    await trpcMutation(developer.request, "requests.submit", {
      teamId: dataScience.id,
      templateName: name,
      tier: "dev",
      environmentName: `${name}-${i}`,
      ttlHours: 24,
      parameters: {},
      justification: "Browser test of the fleet rollout.",
      clientRequestId: crypto.randomUUID(),
    });
  const fleet = async () => (await trpcQuery<{ environments: FleetEnvironment[] }>(admin.request, "fleet.get", { templateName: name })).environments;
  await expect.poll(async () => (await fleet()).filter((e) => e.status === "ready").length, { timeout: 180_000 }).toBe(10);
  await publish("1.0.1");

  // The dry run plans all ten (dev first, by name: canary 0–1, batch 1 is 2–5, batch 2 is 6–9).
  await admin.goto(`/catalog/${name}/fleet`);
  await admin.getByLabel("Version to roll out").selectOption("1.0.1");
  await admin.getByRole("button", { name: "Roll out version 1.0.1" }).click();
  const totals = admin.getByLabel("Dry run totals");
  await expect(totals).toContainText("Environments10");
  await expect(totals).toContainText("Updates in place30");
  await expect(totals).toContainText("Refused0");

  // Batch 2's second environment will fail its update (an admin-only, audited sim fault).
  const doomed = (await fleet()).find((e) => e.name === `${name}-7`)!;
  await trpcMutation(admin.request, "fleetRollouts.failNextChange", { environmentId: doomed.id });

  const form = admin.getByRole("form", { name: "Start the rollout" });
  await form.getByLabel("Canary size").fill("2");
  await form.getByLabel("Batch size").fill("4");
  await form.getByLabel("Halt when failures in a batch exceed").fill("0");
  await form.getByRole("button", { name: "Start the rollout of 1.0.1" }).click();

  const status = admin.getByRole("status", { name: "Rollout status" });
  await expect(status).toHaveText("halted", { timeout: 120_000 });
  await expect(admin.getByRole("alert").filter({ hasText: "Halted" })).toContainText("1 of 4 updates in batch 2 failed");
  const failedRow = admin.getByRole("region", { name: "Batch 2 environments" }).getByRole("row", { name: new RegExp(`${name}-7`) });
  await expect(failedRow).toContainText("failed, rolled back");
  await expect(admin.getByRole("region", { name: "Canary environments" }).getByText("succeeded")).toHaveCount(2);

  await admin.getByRole("button", { name: "Resume" }).click();
  await expect(status).toHaveText("finished", { timeout: 60_000 });
  await expect(admin.getByLabel("Rollout counts")).toContainText("9 updated, 1 failed");
  const versions = (await fleet()).map((e) => e.version);
  expect(versions.filter((v) => v === "1.0.1")).toHaveLength(9);
  expect((await fleet()).find((e) => e.name === `${name}-7`)!.version).toBe("1.0.0");
});
