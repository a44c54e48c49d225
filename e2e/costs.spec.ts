import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { signInAs } from "./support/session";

const month = new Date().toISOString().slice(0, 7);

test("a developer reads their team's month and downloads it as FOCUS CSV; every team's export is refused with the reason", async ({ page }) => {
  await signInAs(page, "developer");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Costs" }).click();
  await page.waitForURL((url) => url.pathname === "/costs");

  const team = page.getByLabel("Team", { exact: true });
  // Their own teams only (other journeys may add them to more), never every team.
  await expect(team.getByRole("option", { name: "Payments Platform" })).toHaveCount(1);
  await expect(team.getByRole("option", { name: "Data Science" })).toHaveCount(1);
  await expect(team.getByRole("option", { name: "All teams" })).toHaveCount(0);
  await team.selectOption({ label: "Payments Platform" });
  await page.waitForURL((url) => url.searchParams.has("team"));
  await expect(page.getByLabel("Month", { exact: true })).toHaveValue(month);
  await expect(page.getByRole("region", { name: "Spent this month" })).toBeVisible();
  await expect(page.getByRole("region", { name: "Forecast to month end" })).toContainText("Assumes running resources stay until their expiry");
  await expect(page.getByRole("region", { name: "Monthly budget" })).toContainText("$5,000.00");

  const download = page.getByRole("link", { name: "Download FOCUS CSV" });
  const teamId = new URL(page.url()).searchParams.get("team")!;
  await expect(download).toHaveAttribute("href", `/api/costs/export?team=${teamId}&month=${month}`);
  const [file] = await Promise.all([page.waitForEvent("download"), download.click()]);
  expect(file.suggestedFilename()).toBe(`provisio-costs-payments-${month}.csv`);
  const header = (await readFile(await file.path(), "utf8")).split("\r\n")[0]!.split(",");
  expect(header).toEqual(
    expect.arrayContaining(["BilledCost", "EffectiveCost", "ChargePeriodStart", "ChargePeriodEnd", "ResourceId", "Tags", "SubAccountName"]),
  );

  const refused = await page.request.get("/api/costs/export?team=all");
  expect(refused.status()).toBe(403);
  expect(await refused.json()).toEqual({ error: "Exporting every team's costs needs the admin or auditor role." });
});

test("an auditor reads every team's month at once", async ({ page }) => {
  await signInAs(page, "auditor", "/costs");
  // Not a member of any team: the page opens on all teams.
  await expect(page.getByLabel("Team", { exact: true })).toHaveValue("all");
  await expect(page.getByRole("region", { name: "Budgets of all teams" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Download FOCUS CSV" })).toHaveAttribute("href", `/api/costs/export?team=all&month=${month}`);
});
