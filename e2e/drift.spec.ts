import { expect, test } from "@playwright/test";
import { newPageAs, readyWebServiceViaApi, uniqueName } from "./support/environments";
import { trpc } from "./support/trpc";

test("drift: chaos drifts a staging environment; the owner sees the diff and asks to reconcile; an approver approves; it is in sync again", async ({
  browser,
}) => {
  test.setTimeout(300_000);
  // A staging web-service (one team approval), made through the API to keep the journey on drift.
  const dev = await newPageAs(browser, "developer", "/");
  const approver = await newPageAs(browser, "approver", "/");
  const name = uniqueName("drift");
  const environmentId = await readyWebServiceViaApi(dev.request, approver.request, {
    team: "Payments Platform",
    tier: "staging",
    name,
    service: "drift",
    justification: "Drift browser journey.",
  });

  // The admin's demo chaos changes a resource outside the portal, then checks now.
  const admin = await newPageAs(browser, "admin", `/environments/${environmentId}`);
  const adminPanel = admin.getByTestId("drift-panel");
  await adminPanel.getByRole("button", { name: "Chaos: drift a resource" }).click();
  await expect(adminPanel.getByRole("status").filter({ hasText: /^Chaos: / })).toBeVisible();
  await adminPanel.getByRole("button", { name: "Check now" }).click();
  await expect(adminPanel.getByText("Drifted", { exact: true }).first()).toBeVisible({ timeout: 60_000 });

  // The owner sees what changed, old → new, and asks to reconcile with a reason.
  await dev.goto(`/environments/${environmentId}`);
  const panel = dev.getByTestId("drift-panel");
  await expect(panel.getByText("Drifted", { exact: true }).first()).toBeVisible();
  const diff = panel.getByRole("list", { name: "Drifted resources" });
  await expect(diff.getByRole("list", { name: "Properties" }).first()).toContainText("is now");
  // t3.micro is not an instance type the template offers: Accept is not offered, and the panel says why.
  await expect(panel.getByTestId("drift-accept-why")).toContainText("Accept is not offered");
  await expect(panel.getByRole("button", { name: "Accept actual values" })).toHaveCount(0);
  await panel.getByRole("button", { name: "Request reconcile" }).click();
  const form = panel.getByRole("form", { name: "Send reconcile request" });
  await form.getByLabel("Reason").fill("Someone changed it by hand; put it back.");
  await form.getByRole("button", { name: "Send reconcile request" }).click();
  const notice = panel.getByRole("status").filter({ hasText: /^Reconcile requested: REQ-\d+ waits for approval\.$/ });
  await expect(notice).toBeVisible();
  const label = (await notice.textContent())!.match(/REQ-\d+/)![0];

  // A team approver approves it from the inbox.
  await approver.goto("/approvals");
  const card = approver.getByRole("article", { name: new RegExp(`${label}\\b`) });
  await card.getByRole("button", { name: "Approve" }).click();
  await expect(approver.getByRole("status").filter({ hasText: `${label} approved` })).toBeVisible();

  // The reconcile run puts it back and the check after it says so: first on the server (the runs'
  // log if not), then on the owner's open page, which hears it through the live stream.
  type DriftView = { status: string | null };
  await expect.poll(async () => (await trpc<DriftView>(dev.request, "drift.get", { environmentId })).status, { timeout: 120_000 }).toBe("in_sync");
  await expect(panel.getByText("In sync", { exact: true }).first()).toBeVisible();
  await panel.getByText(/^History of checks/).click();
  await expect(panel.getByRole("table")).toContainText("Drifted");
});
