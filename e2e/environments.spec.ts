import { expect, test } from "@playwright/test";
import { mandatoryTags, newPageAs, requestReadyEnvironment, uniqueName } from "./support/environments";
import { signInAs } from "./support/session";

test("a developer finds their environment, sees its tagged resources and cost, extends it, then destroys it and watches it go", async ({ page }) => {
  test.setTimeout(150_000);
  const name = uniqueName("env");
  await signInAs(page, "developer", "/catalog");
  const path = await requestReadyEnvironment(page, { template: "bastion-host", team: "Data Science", name });
  const environmentId = path.split("/").pop()!;

  // The list: my environments, filterable in the URL.
  await page.goto("/environments");
  const list = page.getByRole("table", { name: "Environments" });
  await expect(list.getByRole("link", { name })).toBeVisible();
  await page.getByRole("search", { name: "Filter environments" }).getByLabel("Template").selectOption("bastion-host");
  await page.waitForURL(/template=bastion-host/);
  await expect(list.getByRole("link", { name })).toBeVisible();
  await list.getByRole("link", { name }).click();
  await page.waitForURL(`**${path}`);

  // The page: status, every resource with the mandatory tags, accrued cost.
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: /^\s*Status:\s*Ready\s*$/ })).toBeVisible();
  const resources = page.getByRole("table", { name: "Resources" });
  const rows = resources.getByRole("rowheader");
  const count = await rows.count();
  expect(count).toBeGreaterThanOrEqual(3);
  await expect(resources.getByText("✓ all 10 mandatory tags")).toHaveCount(count);
  await resources.getByRole("button", { name: /^Show \d+ tags of bastion$/ }).click();
  const tagList = page.locator("dl[aria-label='Tags of bastion']");
  await expect(tagList).toBeVisible();
  for (const key of mandatoryTags) await expect(tagList.getByText(new RegExp(`^${key} \\(mandatory\\)$`))).toBeVisible();
  await expect(tagList).toContainText(environmentId);
  await expect(tagList).toContainText("provisio");
  await expect(tagList).toContainText("data-science");
  await expect(resources).toContainText(/i-[0-9a-f]+/);
  const cost = page.getByRole("region", { name: "Cost" });
  await expect(cost).toContainText(/Accrued so far\s*\$\d+\.\d\d/);
  await expect(page.getByRole("region", { name: "Expiry" })).toContainText(/in \d+ (d|h)/);

  // Extend by a day: the preview says it applies at once, and the new expiry shows.
  await page.getByRole("group", { name: "Actions" }).getByRole("button", { name: "Extend" }).click();
  const extend = page.getByRole("dialog", { name: `Extend ${name}` });
  await extend.getByRole("button", { name: "24 h" }).click();
  await expect(extend.getByRole("region", { name: "Extension preview" })).toContainText("Applies at once when you submit.");
  await extend.getByLabel("Justification").fill("Demo tomorrow needs it.");
  await extend.getByRole("button", { name: "Extend" }).click();
  await expect(extend).toBeHidden();
  await expect(page.getByRole("status").filter({ hasText: `Extended: ${name} now expires` })).toBeVisible();
  // The update run that moves the expires-at tag finishes before anything else may run.
  await expect(page.getByRole("list", { name: "Runs" }).getByRole("listitem").first()).toContainText(/Update\s*succeeded/, { timeout: 60_000 });
  const destroyButton = page.getByRole("group", { name: "Actions" }).getByRole("button", { name: "Destroy" });
  await expect(destroyButton).toBeVisible({ timeout: 60_000 });

  // Destroy: the wrong name is refused, the right one starts the run, and the page follows it to the end.
  await destroyButton.click();
  const dialog = page.getByRole("dialog", { name: `Destroy ${name}?` });
  await expect(dialog).toContainText("Its outputs stop working and its cost stops accruing.");
  await dialog.getByLabel(`Type ${name} to confirm`).fill(`${name}-typo`);
  await dialog.getByRole("button", { name: "Destroy environment" }).click();
  await expect(dialog.getByText(`That is not the environment's name: type ${name} to confirm.`)).toBeVisible();
  await expect(dialog.getByLabel(`Type ${name} to confirm`)).toHaveAttribute("aria-invalid", "true");
  await dialog.getByLabel(`Type ${name} to confirm`).fill(name);
  await dialog.getByRole("button", { name: "Destroy environment" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("status").filter({ hasText: `Destroying ${name}` })).toBeVisible();
  const runs = page.getByRole("list", { name: "Runs" });
  // Followed live while it runs; once it has finished, its log opens on demand.
  await expect(runs.getByRole("listitem").first()).toContainText(/Destroy\s*succeeded/, { timeout: 60_000 });
  const showLog = runs.getByRole("button", { name: /^Show log of the destroy run/ });
  if (await showLog.isVisible()) await showLog.click();
  await expect(runs.getByText("Destroy finished: every resource is gone")).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: /^\s*Status:\s*Destroyed\s*$/ })).toBeVisible({ timeout: 15_000 });
  await expect(resources.getByText("deleted", { exact: true })).toHaveCount(count);
  await expect(page.getByRole("group", { name: "Actions" })).toHaveCount(0);

  // The list says so too.
  await page.goto("/environments?status=destroyed");
  await expect(page.getByRole("table", { name: "Environments" }).getByRole("row", { name: new RegExp(name) })).toContainText("Destroyed");
});

test("an approver reveals a secret of their team's postgres-dev environment and the audit log shows it; a member who is not the owner cannot", async ({
  browser,
}) => {
  test.setTimeout(150_000);
  const name = uniqueName("pg");
  // Sam, the second approver of Payments, owns it.
  const owner = await newPageAs(browser, "approver2", "/catalog");
  const path = await requestReadyEnvironment(owner, {
    template: "postgres-dev",
    team: "Payments Platform",
    name,
    parameters: { "Database name": "e2e_reveal" },
  });
  const environmentId = path.split("/").pop()!;

  // Dana is a member of Payments, not the owner: the secret stays masked, with no button, and the API refuses.
  const member = await newPageAs(browser, "developer", path);
  const memberOutputs = member.locator("dl[aria-label='Outputs']");
  await expect(memberOutputs.getByLabel("password (hidden)")).toHaveText("••••••••");
  await expect(member.getByRole("button", { name: /^Reveal/ })).toHaveCount(0);
  await expect(memberOutputs).toContainText("Only the owner (Sam Second-Approver) and the team's approvers can reveal secrets.");
  const refused = await member.request.post("/api/trpc/environments.revealSecret", { data: { json: { environmentId, name: "password" } } });
  expect(refused.status()).toBe(403);
  expect(JSON.stringify(await refused.json())).toContain("Only the owner (Sam Second-Approver) and the team");

  // Avery approves for Payments: reveals the password, then hides it again.
  const approver = await newPageAs(browser, "approver", path);
  const outputs = approver.locator("dl[aria-label='Outputs']");
  await expect(outputs.getByText(/^e2e_reveal_[0-9a-f]{6}$/)).toBeVisible();
  await outputs.getByRole("button", { name: "Reveal password" }).click();
  const value = outputs.getByLabel("password value");
  await expect(value).toBeVisible();
  const secret = (await value.textContent()) ?? "";
  expect(secret).not.toContain("•");
  expect(secret.length).toBeGreaterThan(10);
  await expect(outputs).toContainText("Revealing is recorded in the audit log.");
  await outputs.getByRole("button", { name: "Hide password" }).click();
  await expect(outputs.getByLabel("password (hidden)")).toHaveText("••••••••");
  // The connection string is still masked until revealed on its own.
  await expect(outputs.getByLabel("connection_string (hidden)")).toBeVisible();

  // The auditor sees who revealed what (the output's name, never its value), and the refused attempt.
  const auditor = await newPageAs(browser, "auditor", "/audit");
  await auditor.goto(`/audit?action=environment.secret_revealed`);
  const events = auditor.getByRole("table", { name: "Audit events" });
  const row = events.getByRole("row", { name: new RegExp(`Avery Approver.*environment\\.secret_revealed.*${name}`) });
  await expect(row).toHaveCount(1);
  await expect(row.getByRole("link", { name })).toHaveAttribute("href", path);
  await row.getByRole("button", { name: /Details/ }).click();
  await expect(auditor.getByRole("table", { name: /Changes in event \d+/ })).toContainText("password");
  await expect(auditor.locator("body")).not.toContainText(secret);
  await auditor.goto(`/audit?action=environment.secret_reveal_denied`);
  await expect(
    auditor
      .getByRole("table", { name: "Audit events" })
      .getByRole("row", { name: new RegExp(`Dana Developer.*environment\\.secret_reveal_denied.*${name}`) }),
  ).toHaveCount(1);
});
