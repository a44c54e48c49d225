import { expect, test } from "@playwright/test";
import { newPageAs, uniqueName } from "./support/environments";
import { trpcMutation, trpcQuery } from "./support/trpc";

/**
 * A sim template whose subnet refers to a network in another region: it passes the template
 * checks, and the simulated cloud refuses it at apply time (InvalidReference), so the run fails
 * with a known cause ("template") every time.
 */
const brokenTemplate = (name: string) => `apiVersion: provisio.dev/v1
kind: Template
metadata:
  name: ${name}
  title: Broken network
  description: A subnet in another region than its network, for the SLO browser test.
  category: network
  owner: Platform team
  tags: [test]
spec:
  version: 1.0.0
  engine: sim
  tiers: [dev]
  parameters: []
  resources:
    - id: net
      type: network
      properties: { region: us-east-1, cidr: 10.0.0.0/16 }
    - id: subnet
      type: subnet
      properties: { region: us-west-2, network: "\${resources.net.id}", cidr: 10.0.1.0/24 }
  outputs: []
  policy:
    ttl: { dev: { default: 1d, max: 3d } }
    approvals: { dev: [] }
    tags: {}
    requiredTags: [cost-center]
    onFailure: cleanup
`;

test("an admin opens each SLO dashboard and follows a failed run from on-call to its log", async ({ browser }) => {
  test.setTimeout(180_000);
  const template = uniqueName("slo-broken");
  const envName = uniqueName("slo-fail");

  // Seed: an admin publishes the broken template; a developer requests it and its apply fails.
  const admin = await newPageAs(browser, "admin", "/catalog");
  const draft = await trpcMutation<{ versionId: string; lockVersion: number }>(admin.request, "templateAdmin.createDraft", {
    yaml: brokenTemplate(template),
  });
  await trpcMutation(admin.request, "templateAdmin.publish", { versionId: draft.versionId, expectedLockVersion: draft.lockVersion });
  const developer = await newPageAs(browser, "developer", "/catalog");
  const teams = await trpcQuery<{ id: string; slug: string }[]>(developer.request, "teams.list");
  const payments = teams.find((t) => t.slug === "payments")!;
  const submitted = await trpcMutation<{ id: string; status: string }>(developer.request, "requests.submit", {
    teamId: payments.id,
    templateName: template,
    tier: "dev",
    environmentName: envName,
    ttlHours: 24,
    parameters: {},
    justification: "Browser test of the SLO dashboards: this one must fail.",
    clientRequestId: crypto.randomUUID(),
  });
  await expect
    .poll(
      async () => (await trpcQuery<{ request: { status: string } }>(developer.request, "requests.get", { requestId: submitted.id })).request.status,
      {
        timeout: 90_000,
      },
    )
    .toBe("failed");

  // Executive: compliance, the ten SLIs (the drift ones from the drift checks), trends with a table.
  await admin.goto("/slo");
  await expect(admin.getByRole("heading", { name: "SLOs: executive" })).toBeVisible();
  await expect(admin.getByText("Provisioning success (apply runs)")).toBeVisible();
  await expect(admin.getByText(/M4 · Drift occurrences/)).toBeVisible();
  await expect(admin.getByText(/M9 · Unauthorized change rate/)).toBeVisible();
  await admin.getByRole("button", { name: "Show as table" }).first().click();
  await expect(admin.getByRole("table", { name: "Success rate per period" })).toBeVisible();
  await expect(admin.getByRole("region", { name: "SLO settings" })).toBeVisible();

  // On-call: the failed run is there, one click from its log.
  await admin.getByRole("navigation", { name: "SLO dashboards" }).getByRole("link", { name: "On-call" }).click();
  await expect(admin.getByRole("heading", { name: "SLOs: on-call" })).toBeVisible();
  const failing = admin.getByRole("table", { name: "Runs that failed in the last hour" });
  const row = failing.getByRole("row", { name: new RegExp(envName) });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("Template / validation");
  await row.getByRole("link", { name: /^Log of apply run/ }).click();
  await admin.waitForURL(/\/slo\/runs\/[0-9a-f-]{36}$/);
  await expect(admin.getByRole("heading", { name: /\(apply\): failed/ })).toBeVisible();
  await expect(admin.getByText(/subnet: .* is in us-east-1, not in us-west-2/).first()).toBeVisible();
  await expect(admin.getByRole("log", { name: "Run log" })).toBeVisible();

  // Debug: one template over the last 24 hours shows the failure and its cause, linked to the runs behind it.
  await admin.goto(`/slo/debug?range=24h&team=all&template=${template}`);
  await expect(admin.getByRole("heading", { name: "SLOs: debug" })).toBeVisible();
  await expect(admin.getByRole("table", { name: "Failed runs" }).getByRole("row", { name: new RegExp(envName) })).toHaveCount(1);
  await admin.getByRole("link", { name: /Template \/ validation: 1 of \d+ finished runs/ }).click();
  await admin.waitForURL(/\/slo\/runs\?.*cause=template/);
  await expect(admin.getByRole("row", { name: new RegExp(envName) })).toHaveCount(1);
});
