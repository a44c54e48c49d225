import { expect, test } from "@playwright/test";
import { newPageAs, requestReadyEnvironment, uniqueName } from "./support/environments";
import { signInAs } from "./support/session";

test("a developer extends beyond the tier's maximum: it waits for a team approver, and the expiry moves when approved", async ({ page, browser }) => {
  test.setTimeout(150_000);
  const name = uniqueName("ext");
  await signInAs(page, "developer", "/catalog");
  const path = await requestReadyEnvironment(page, { template: "bastion-host", team: "Payments Platform", name });
  await page.goto(path);
  const expiry = page.getByRole("region", { name: "Expiry" });
  const expiresText = expiry.getByText(/^Expires /);
  const before = (await expiresText.textContent())!;

  // bastion-host dev allows 7 days in all; 24 h + 7 d is over it.
  await page.getByRole("group", { name: "Actions" }).getByRole("button", { name: "Extend" }).click();
  const dialog = page.getByRole("dialog", { name: `Extend ${name}` });
  await dialog.getByRole("button", { name: "7 d" }).click();
  const preview = dialog.getByRole("region", { name: "Extension preview" });
  await expect(preview).toContainText("Needs approval from");
  await expect(preview).toContainText("over the dev tier's maximum of 7 days: a team approver must approve the exception");
  await dialog.getByLabel("Justification").fill("Load tests run all of next week.");
  await dialog.getByRole("button", { name: "Ask for approval" }).click();
  await expect(dialog).toBeHidden();
  const notice = page.getByRole("status").filter({ hasText: "asks for approval: the expiry moves when it is approved." });
  await expect(notice).toBeVisible();
  const requestPath = (await notice.getByRole("link").getAttribute("href"))!;
  const label = (await notice.getByRole("link").textContent())!;
  await expect(expiresText).toHaveText(before);

  // Beyond 3x the maximum is refused outright, and says why.
  await page.getByRole("group", { name: "Actions" }).getByRole("button", { name: "Extend" }).click();
  await dialog.getByLabel("or hours").fill("600");
  await expect(preview).toContainText(/over 3× the dev tier's maximum of 7 days .*denied/);
  await dialog.getByRole("button", { name: "Cancel" }).click();

  // Avery, an approver of Payments, sees it in the inbox as an extension and approves it.
  const approver = await newPageAs(browser, "approver", "/approvals");
  const card = approver.getByRole("article", { name: new RegExp(`${label} ${name}`) });
  await expect(card).toContainText("extend by 7 days");
  await card.getByRole("button", { name: "Approve" }).click();
  await expect(approver.getByRole("status").filter({ hasText: `${label} approved: the extension is applied.` })).toBeVisible();

  // The request says applied and points at the environment; the environment expires a week later.
  await page.goto(requestPath);
  await expect(page.getByRole("region", { name: "Extension" })).toContainText(`Extends ${name} by 7 days`);
  await expect(page.getByRole("region", { name: "Extension" })).toContainText("Applied: it now expires");
  await page.getByRole("region", { name: "Extension" }).getByRole("link", { name }).click();
  await page.waitForURL(`**${path}`);
  await expect(expiresText).not.toHaveText(before);
  await expect(expiry).toContainText(/7 d/);
});
