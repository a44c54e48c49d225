import { expect, test } from "@playwright/test";
import { signInAs } from "./support/session";

test("an auto-approved request becomes a ready environment while its run log streams live", async ({ page }) => {
  const name = `e2e-prov-${Date.now().toString(36)}`;
  await signInAs(page, "developer", "/catalog/bastion-host");
  await page.getByRole("link", { name: "Request this environment" }).click();
  const form = page.getByRole("form", { name: /^Request / });
  await form.getByLabel("Team").selectOption({ label: "Data Science" });
  await form.getByLabel("Tier", { exact: true }).selectOption("dev");
  await form.getByLabel("Environment name").fill(name);
  await form.getByLabel("Justification").fill("Browser test of provisioning with a live log.");
  await expect(page.getByRole("complementary", { name: "Live preview" }).getByRole("region", { name: "Policy decision" })).toContainText(
    "Auto-approved",
  );
  await form.getByRole("button", { name: "Submit request" }).click();
  await page.waitForURL(/\/requests\/[0-9a-f-]{36}$/);

  // The log fills while the worker applies: lines arrive without reloading the page.
  const log = page.getByRole("log", { name: "Run log" });
  await expect(log).toBeVisible({ timeout: 20_000 });
  await expect(log.getByText(/Apply started on /)).toBeVisible({ timeout: 20_000 });
  await expect(log.getByText(/Creating \w+/).first()).toBeVisible();
  // Still live, or already finished when a fast worker beat the page: either way the lines came without a reload.
  await expect(page.getByText(/^(Live: lines appear as they happen|Finished)$/)).toBeVisible();
  await expect(log.getByText(/Apply finished: \d+ resources ready/)).toBeVisible({ timeout: 60_000 });

  // When the run ends the page follows: the environment is ready with its resources and outputs.
  await expect(page.getByText("ready", { exact: true }).first()).toBeVisible({ timeout: 15_000 });
  await expect(page.getByRole("table", { name: "Environment resources" }).getByRole("row")).not.toHaveCount(0);
  await expect(page.getByRole("table", { name: "Environment resources" })).toContainText(/i-[0-9a-f]+/);
});
