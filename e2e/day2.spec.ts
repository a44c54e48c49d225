import { expect, test, type Locator, type Page } from "@playwright/test";
import { newPageAs, readyWebServiceViaApi, uniqueName } from "./support/environments";
import { signInAs } from "./support/session";

/** The row of the web tier's instance group in the environment page's resources table. */
const webRow = (page: Page) => page.getByRole("table", { name: "Resources" }).getByRole("row").filter({ hasText: "instance_group" });
/** The web tier's row of a plan diff (its first cell is the address). */
const webDiff = (page: Page, diff: Locator) => diff.getByRole("row").filter({ has: page.getByRole("cell", { name: "web", exact: true }) });

test("a developer resizes a staging web service: the form is prefilled, shows the plan diff and cost delta, an approver approves, the page shows the new size", async ({
  page,
  browser,
}) => {
  test.setTimeout(240_000);
  const name = uniqueName("day2");

  // A staging web service (one team approval) of one small instance, made and approved through the
  // API: the request form, the inbox and the live apply log have journeys of their own (requests,
  // approvals, environments); this one starts on the ready environment's page.
  await signInAs(page, "developer", "/catalog");
  const approver = await newPageAs(browser, "approver", "/approvals");
  const environmentId = await readyWebServiceViaApi(page.request, approver.request, {
    team: "Payments Platform",
    tier: "staging",
    name,
    service: "ledger",
    justification: "Staging for the ledger, resized on day 2.",
  });
  await page.goto(`/environments/${environmentId}`);
  await expect(webRow(page)).toContainText("1 × t3.small");

  // Change: the form holds what it runs with now; a bigger instance type is an update in place that costs more.
  await page.getByRole("group", { name: "Actions" }).getByRole("button", { name: "Change", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: `Change ${name}` });
  const change = dialog.getByRole("form", { name: "Change environment" });
  await expect(change.getByLabel("Instance type")).toHaveValue("t3.small");
  await expect(change.getByLabel("Instances", { exact: true })).toHaveValue("1");
  await expect(change.getByLabel("Template version")).toHaveValue("1.0.0");
  await change.getByLabel("Instance type").selectOption("m5.large");
  const preview = change.getByRole("region", { name: "Preview of the change" });
  const diff = preview.getByRole("table", { name: "Plan diff" });
  await expect(webDiff(page, diff)).toContainText("update in place");
  await expect(webDiff(page, diff)).toContainText("instance_type: t3.small → m5.large");
  await expect(diff.getByRole("row")).toHaveCount(2); // the header and the one changed resource
  await expect(preview.getByLabel("Cost delta")).toContainText(/Per month\s*\$[\d,.]+ → \$[\d,.]+ \(\+\$[\d,.]+\)/);
  await expect(preview).toContainText("Needs approval");
  await change.getByLabel("Why this change").fill("The ledger needs more memory for month-end.");
  await change.getByRole("button", { name: "Request change" }).click();
  await expect(dialog).toBeHidden();
  const notice = page.getByRole("status").filter({ hasText: "the change waits for approval." });
  await expect(notice).toBeVisible();
  const changeLabel = (await notice.textContent())!.match(/REQ-\d+/)![0];
  // Nothing moves before the approval.
  await expect(webRow(page)).toContainText("1 × t3.small");

  // The approver sees the change in the inbox and approves it.
  await approver.goto("/approvals");
  const changeCard = approver.getByRole("article", { name: new RegExp(`${changeLabel} ${name}`) });
  await changeCard.getByRole("button", { name: "Approve" }).click();
  await expect(approver.getByRole("status").filter({ hasText: `${changeLabel} approved` })).toBeVisible();

  // The developer's page, left open, follows the update run and shows the new size once it has finished.
  await expect(webRow(page)).toContainText("1 × m5.large", { timeout: 90_000 });
  await expect(page.getByRole("link", { name: new RegExp(`web-service@1\\.0\\.0`) })).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: /^Status:\s*Ready$/ })).toBeVisible();

  // A second change waits for approval; its requester edits it from the same form, which starts from the pending change.
  await page.getByRole("group", { name: "Actions" }).getByRole("button", { name: "Change", exact: true }).click();
  await expect(change.getByLabel("Instance type")).toHaveValue("m5.large");
  await change.getByLabel("Instances", { exact: true }).fill("2");
  await expect(webDiff(page, diff)).toContainText("size: 1 → 2");
  await change.getByLabel("Why this change").fill("A second instance for month-end.");
  await change.getByRole("button", { name: "Request change" }).click();
  await expect(dialog).toBeHidden();
  await page.getByRole("group", { name: "Actions" }).getByRole("button", { name: "Edit change" }).click();
  const editDialog = page.getByRole("dialog", { name: new RegExp(`^Edit REQ-\\d+: change ${name}$`) });
  const edit = editDialog.getByRole("form", { name: "Change environment" });
  await expect(edit.getByLabel("Instances", { exact: true })).toHaveValue("2");
  await expect(edit.getByLabel("Why this change")).toHaveValue("A second instance for month-end.");
  await expect(edit.getByRole("note")).toContainText("Nobody has approved it yet");
  await edit.getByLabel("Instances", { exact: true }).fill("3");
  await expect(webDiff(page, edit.getByRole("table", { name: "Plan diff" }))).toContainText("size: 1 → 3");
  await edit.getByRole("button", { name: "Save change" }).click();
  await expect(editDialog).toBeHidden();
  await expect(
    page.getByRole("status").filter({ hasText: /REQ-\d+ saved \(no approvals to clear\): the change waits for approval\./ }),
  ).toBeVisible();
});
