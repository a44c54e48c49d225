import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { signInAs } from "./support/session";

/**
 * Notifications and team webhooks, end to end: a developer's request (made through the same
 * tRPC API the request form uses) rings the approver's bell, and reaches a real HTTP receiver
 * started here as a signed CloudEvent.
 */

const TEAM = "Data Science";

async function trpcQuery<T>(request: APIRequestContext, path: string, input?: unknown): Promise<T> {
  const query = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
  const response = await request.get(`/api/trpc/${path}${query}`);
  expect(response.status(), await response.text()).toBe(200);
  return ((await response.json()) as { result: { data: { json: T } } }).result.data.json;
}

async function trpcMutation<T>(request: APIRequestContext, path: string, input: unknown): Promise<T> {
  const response = await request.post(`/api/trpc/${path}`, { data: { json: input } });
  expect(response.status(), await response.text()).toBe(200);
  return ((await response.json()) as { result: { data: { json: T } } }).result.data.json;
}

async function teamId(page: Page, name: string): Promise<string> {
  const teams = await trpcQuery<{ id: string; name: string }[]>(page.request, "teams.list");
  const team = teams.find((t) => t.name === name);
  if (!team) throw new Error(`no team ${name}`);
  return team.id;
}

/** A staging web-service request: it needs one team approver, so the approvers are notified. */
async function submitStagingRequest(page: Page, environmentName: string) {
  return trpcMutation<{ id: string; status: string }>(page.request, "requests.submit", {
    teamId: await teamId(page, TEAM),
    templateName: "web-service",
    tier: "staging",
    environmentName,
    ttlHours: 24,
    parameters: { service_name: environmentName.replace(/[^a-z0-9-]/g, "").slice(0, 20) || "svc" },
    justification: "End-to-end test of notifications and webhooks",
    clientRequestId: randomUUID(),
  });
}

const uniqueName = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e4)}`;

test("an approver's bell shows a request waiting for them, and opening it marks it read", async ({ browser }) => {
  const developer = await browser.newPage();
  await signInAs(developer, "developer");
  const environmentName = uniqueName("bell");
  const request = await submitStagingRequest(developer, environmentName);
  expect(request.status).toBe("pending_approval");
  await developer.close();

  const page = await browser.newPage();
  await signInAs(page, "approver", "/catalog");
  const bell = page.getByRole("button", { name: /^Notifications, \d+ unread$/ });
  await expect(bell).toBeVisible();
  const before = Number(/(\d+) unread/.exec((await bell.getAttribute("aria-label")) ?? "")?.[1]);
  expect(before).toBeGreaterThan(0);

  await bell.click();
  await expect(bell).toHaveAttribute("aria-expanded", "true");
  const panel = page.getByRole("region", { name: "Notifications" });
  const item = panel.getByRole("link", { name: new RegExp(`Unread: Your approval is needed: REQ-\\d+ ${environmentName} \\(staging\\)`) });
  await expect(item).toBeVisible();
  // Escape closes the panel and gives focus back to the bell.
  await page.keyboard.press("Escape");
  await expect(panel).toHaveCount(0);
  await expect(bell).toBeFocused();

  await bell.click();
  await item.click();
  await page.waitForURL(`**/requests/${request.id}`);

  await page.goto("/notifications");
  const entry = page.getByRole("list", { name: "Notifications" }).getByRole("listitem").filter({ hasText: environmentName });
  await expect(entry.getByRole("link", { name: new RegExp(`^Open Your approval is needed: REQ-\\d+ ${environmentName}`) })).toBeVisible();
  // It is read now: no "Unread" marker and no "Mark read" button for it.
  await expect(entry.getByText("Unread:")).toHaveCount(0);
  await expect(entry.getByRole("button", { name: /^Mark read/ })).toHaveCount(0);
  await page.close();
});

test("the developer who is not an approver cannot open a team's webhooks page", async ({ page }) => {
  await signInAs(page, "developer");
  const id = await teamId(page, TEAM);
  expect((await page.goto(`/teams/${id}/webhooks`))?.status()).toBe(403);
});

test("an approver adds a webhook, sees its secret once, and a real receiver gets a signed CloudEvent", async ({ browser }) => {
  const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/provisio/${randomUUID().slice(0, 8)}`;

  try {
    const page = await browser.newPage();
    await signInAs(page, "approver", "/account");
    await page.getByRole("link", { name: `Webhooks of ${TEAM}` }).click();
    await expect(page.getByRole("heading", { name: `Webhooks · ${TEAM}` })).toBeVisible();

    const form = page.getByRole("form", { name: "Add a webhook" });
    await form.getByLabel("Payload URL").fill("http://hooks.example.com/provisio");
    await form.getByRole("checkbox", { name: /Request submitted/ }).check();
    await form.getByRole("button", { name: "Add webhook" }).click();
    await expect(form.getByText("must use https://", { exact: false })).toBeVisible();
    await expect(form.getByLabel("Payload URL")).toHaveAttribute("aria-invalid", "true");

    await form.getByLabel("Payload URL").fill(hookUrl);
    await form.getByRole("button", { name: "Add webhook" }).click();
    const secretBox = page.getByRole("textbox", { name: "Signing secret" });
    await expect(secretBox).toBeVisible();
    const secret = await secretBox.inputValue();
    expect(secret).toMatch(/^whsec_[\w-]{43}$/);
    await expect(page.getByRole("heading", { name: "Webhook created: copy its signing secret now" })).toBeFocused();

    const card = page.getByRole("region", { name: hookUrl });
    await expect(card.getByText("No deliveries yet.", { exact: false })).toBeVisible();
    await expect(card.getByText(`ends in ${secret.slice(-4)}`)).toBeVisible();
    await page.getByRole("button", { name: "I have stored it" }).click();
    await expect(page.getByRole("textbox", { name: "Signing secret" })).toHaveCount(0);
    await page.reload();
    await expect(page.getByRole("region", { name: hookUrl })).toBeVisible();
    expect(await page.content()).not.toContain(secret);

    // A request in the team: the worker delivers it to the receiver, signed with the secret.
    const developer = await browser.newPage();
    await signInAs(developer, "developer");
    const environmentName = uniqueName("hook");
    const request = await submitStagingRequest(developer, environmentName);
    await developer.close();
    await expect.poll(() => received.filter((r) => r.body.includes(request.id)).length, { timeout: 20_000 }).toBeGreaterThan(0);
    const delivery = received.find((r) => r.body.includes(request.id) && r.headers["ce-type"] === "dev.provisio.request.submitted");
    expect(delivery, "a request.submitted delivery").toBeTruthy();
    const { headers, body } = delivery!;
    expect(headers["content-type"]).toBe("application/cloudevents+json; charset=utf-8");
    const event = JSON.parse(body) as {
      specversion: string;
      id: string;
      type: string;
      subject: string;
      data: { requestId: string; environmentName: string };
    };
    expect(event).toMatchObject({
      specversion: "1.0",
      id: headers["ce-id"],
      type: "dev.provisio.request.submitted",
      subject: `requests/${request.id}`,
    });
    expect(event.data).toMatchObject({ requestId: request.id, environmentName });
    const expected = Buffer.from(
      `sha256=${createHmac("sha256", secret)
        .update(`${String(headers["x-provisio-timestamp"])}.${body}`)
        .digest("hex")}`,
    );
    const given = Buffer.from(String(headers["x-provisio-signature"]));
    expect(given.length === expected.length && timingSafeEqual(given, expected)).toBe(true);

    // The delivery log shows it delivered.
    await card.getByRole("button", { name: /^Refresh/ }).click();
    const log = card.getByRole("table", { name: `Deliveries to ${hookUrl}` });
    await expect(log.getByRole("row", { name: new RegExp(`Request submitted requests/${request.id} Delivered 1 204`) })).toBeVisible();

    // Clean up: delete it (confirmed in a dialog), so other tests' events are not sent to a closed port.
    await card.getByRole("button", { name: `Delete webhook ${hookUrl}` }).click();
    const dialog = page.getByRole("dialog", { name: "Delete this webhook?" });
    await dialog.getByRole("button", { name: "Delete webhook" }).click();
    await expect(page.getByRole("region", { name: hookUrl })).toHaveCount(0);
    await page.close();
  } finally {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  }
});

test("an auditor reads a team's webhooks without any way to change them", async ({ page }) => {
  await signInAs(page, "auditor");
  const id = await teamId(page, TEAM);
  const response = await page.goto(`/teams/${id}/webhooks`);
  expect(response?.status()).toBe(200);
  await expect(page.getByRole("heading", { name: `Webhooks · ${TEAM}` })).toBeVisible();
  await expect(page.getByRole("form", { name: "Add a webhook" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /Delete webhook|Rotate the secret|Redeliver/ })).toHaveCount(0);
});
