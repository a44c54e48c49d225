import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { signInAs } from "./support/session";

test("an auditor filters the audit log, opens an event and downloads the filtered CSV", async ({ page }) => {
  await signInAs(page, "auditor", "/audit");
  const filters = page.getByRole("search", { name: "Filter audit events" });
  await filters.getByLabel("Actor").selectOption("system");
  await filters.getByLabel("Action").fill("template.");
  await filters.getByRole("button", { name: "Apply filters" }).click();
  await page.waitForURL((url) => url.searchParams.get("actorId") === "system" && url.searchParams.get("action") === "template.");

  // Every template folder was published by the sync at start-up: a known row.
  const events = page.getByRole("table", { name: "Audit events" });
  const row = events.getByRole("row", { name: /System template\.published template web-service/ });
  await expect(row).toHaveCount(1);
  await expect(row.getByRole("link", { name: "web-service" })).toHaveAttribute("href", "/catalog/web-service");
  await expect(events.getByRole("row", { name: /demo\.seeded/ })).toHaveCount(0);

  // The disclosure shows what the event recorded.
  await row.getByRole("button", { name: /Details/ }).click();
  await expect(row.getByRole("button", { name: /Hide details/ })).toHaveAttribute("aria-expanded", "true");
  const changes = page.getByRole("table", { name: /Changes in event \d+/ });
  await expect(changes.getByRole("row", { name: /name\s.*web-service\s+added/ })).toBeVisible();

  // The filter is the URL: a reload keeps it.
  await page.reload();
  await expect(filters.getByLabel("Action")).toHaveValue("template.");
  await expect(filters.getByLabel("Actor")).toHaveValue("system");

  const exportLink = page.getByRole("link", { name: "Export CSV" });
  await expect(exportLink).toHaveAttribute("href", "/api/audit/export?actorId=system&action=template.");
  const [download] = await Promise.all([page.waitForEvent("download"), exportLink.click()]);
  expect(download.suggestedFilename()).toMatch(/^provisio-audit-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = await readFile(await download.path(), "utf8");
  const lines = csv.split("\r\n");
  expect(lines[0]).toBe(
    "id,time,actor_id,actor,actor_name,action,subject_type,subject_id,subject_name,team_id,team_name,correlation_id,before,after",
  );
  const records = lines.slice(1).filter(Boolean);
  expect(records.length).toBeGreaterThanOrEqual(10);
  expect(records.every((r) => /^\d+,\d{4}-\d{2}-\d{2}T[\d:.]+Z,,system,,template\.published,template,/.test(r))).toBe(true);
  expect(records.some((r) => r.includes(",web-service,"))).toBe(true);
});

test("filters are checked: a bad value is named next to its field, and nothing is listed", async ({ page }) => {
  await signInAs(page, "admin", "/audit");
  await page.goto("/audit?from=yesterday&action=team.");
  const filters = page.getByRole("search", { name: "Filter audit events" });
  await expect(filters.getByText("must be a date (YYYY-MM-DD) or an ISO 8601 date and time")).toBeVisible();
  await expect(page.getByRole("alert").filter({ hasText: "Some filters are not valid" })).toBeVisible();
  await expect(page.getByRole("table", { name: "Audit events" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Export CSV" })).toHaveCount(0);

  await filters.getByLabel("From (UTC)").fill("2001-01-01");
  await filters.getByLabel("To (UTC)").fill("2001-01-02");
  await filters.getByRole("button", { name: "Apply filters" }).click();
  await expect(page.getByRole("heading", { name: "No events match these filters" })).toBeVisible();
  await page.getByRole("link", { name: "Clear filters" }).first().click();
  await page.waitForURL((url) => url.pathname === "/audit" && url.search === "");
  await expect(page.getByRole("table", { name: "Audit events" }).getByRole("row", { name: /demo\.seeded/ })).toHaveCount(1);
});

test("the CSV export answers 403 to a member and 401 without a session", async ({ page, request }) => {
  expect((await request.get("/api/audit/export")).status()).toBe(401);
  await signInAs(page, "developer");
  const response = await page.request.get("/api/audit/export?action=team.");
  expect(response.status()).toBe(403);
  expect(await response.json()).toEqual({ error: "This needs the admin or auditor role." });
});
