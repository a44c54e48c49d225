import { expect, test, type Page } from "@playwright/test";
import { randomUUID } from "node:crypto";
import { newPageAs, uniqueName } from "./support/environments";

/**
 * Pages update themselves by push (/api/events, fed by the database's notifications): a
 * developer keeps a pending request open while an approver, in another browser, approves it;
 * the developer's page goes to Ready without a reload, and the approver's inbox and bell follow
 * the developer's new request the same way.
 */

async function teamId(page: Page, name: string): Promise<string> {
  const response = await page.request.get("/api/trpc/teams.list");
  const teams = ((await response.json()) as { result: { data: { json: { id: string; name: string }[] } } }).result.data.json;
  const team = teams.find((t) => t.name === name);
  if (!team) throw new Error(`no team ${name}`);
  return team.id;
}

async function submitStaging(page: Page, environmentName: string): Promise<string> {
  const response = await page.request.post("/api/trpc/requests.submit", {
    data: {
      json: {
        teamId: await teamId(page, "Payments Platform"),
        templateName: "web-service",
        tier: "staging",
        environmentName,
        ttlHours: 4,
        parameters: { service_name: "live", instance_type: "t3.small", instances: 1 },
        justification: "Browser test of live pages.",
        clientRequestId: randomUUID(),
      },
    },
  });
  expect(response.status(), await response.text()).toBe(200);
  return ((await response.json()) as { result: { data: { json: { id: string } } } }).result.data.json.id;
}

test("a pending request page turns Ready without a reload when another browser approves it", async ({ browser }) => {
  const approver = await newPageAs(browser, "approver", "/approvals");
  const bell = approver.getByRole("button", { name: /^Notifications/ });
  await expect(bell).toHaveAccessibleName(/unread/);
  const unreadBefore = Number((await bell.getAttribute("aria-label"))?.match(/(\d+) unread/)?.[1] ?? 0);
  await expect(approver.locator("html[data-live=on]")).toHaveCount(1);

  const developer = await newPageAs(browser, "developer", "/requests");
  const name = uniqueName("live");
  const requestId = await submitStaging(developer, name);
  await developer.goto(`/requests/${requestId}`);
  await expect(developer.getByText("Pending approval", { exact: true })).toBeVisible();
  await expect(developer.locator("html[data-live=on]")).toHaveCount(1);
  // The same document all along: a reload or navigation would lose this mark.
  await developer.evaluate(() => ((window as unknown as { liveMark: string }).liveMark = "kept"));

  // The approver's inbox and bell show the new request by push, without a reload.
  const card = approver.getByRole("article", { name: new RegExp(name) });
  await expect(card).toBeVisible();
  await expect(bell).toHaveAccessibleName(new RegExp(`${unreadBefore + 1} unread`));
  await card.getByRole("button", { name: "Approve" }).click();

  // The developer's page follows: approved, provisioning, then Ready with its environment.
  await expect(developer.getByText("Ready", { exact: true }).first()).toBeVisible({ timeout: 90_000 });
  await expect(developer.getByRole("link", { name: "Open environment →" })).toBeVisible();
  await expect(developer.getByRole("button", { name: "Cancel request" })).toHaveCount(0);
  expect(await developer.evaluate(() => (window as unknown as { liveMark?: string }).liveMark)).toBe("kept");
});

test("the change stream refuses anonymous callers", async ({ request }) => {
  const response = await request.get("/api/events", { maxRedirects: 0 });
  expect(response.status()).toBe(401);
});
