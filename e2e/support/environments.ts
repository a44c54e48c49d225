/** Steps shared by the environment journeys: a unique name, a signed-in page, a ready dev environment. */
import { randomUUID } from "node:crypto";
import { expect, type APIRequestContext, type Browser, type Page } from "@playwright/test";
import { trpc } from "./trpc";
import { signInAs, type DemoUser } from "./session";

/** A name no other test (or earlier run on this database) uses: the team's live names must be unique. */
export function uniqueName(prefix: string): string {
  return `e2e-${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
}

export const mandatoryTags = [
  "environment-id",
  "request-id",
  "team",
  "owner",
  "tier",
  "template",
  "template-version",
  "cost-center",
  "expires-at",
  "managed-by",
];

export async function newPageAs(browser: Browser, who: DemoUser, path: string) {
  const page = await (await browser.newContext()).newPage();
  await signInAs(page, who, path);
  return page;
}

/** Requests a dev environment of `template` (auto-approved) and waits on the request page until it is ready; returns the environment's path. */
export async function requestReadyEnvironment(
  page: Page,
  input: { template: string; team: string; name: string; parameters?: Record<string, string> },
): Promise<string> {
  await page.goto(`/catalog/${input.template}`);
  await page.getByRole("link", { name: "Request this environment" }).click();
  const form = page.getByRole("form", { name: /^Request / });
  await form.getByLabel("Team").selectOption({ label: input.team });
  await form.getByLabel("Tier", { exact: true }).selectOption("dev");
  await form.getByLabel("Environment name").fill(input.name);
  for (const [label, value] of Object.entries(input.parameters ?? {})) await form.getByLabel(label, { exact: true }).fill(value);
  await form.getByLabel("Justification").fill("Browser test of the environment pages.");
  await expect(page.getByRole("complementary", { name: "Live preview" }).getByRole("region", { name: "Policy decision" })).toContainText(
    "Auto-approved",
  );
  await form.getByRole("button", { name: "Submit request" }).click();
  await page.waitForURL(/\/requests\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("log", { name: "Run log" }).getByText(/Apply finished: \d+ resources ready/)).toBeVisible({ timeout: 60_000 });
  const open = page.getByRole("link", { name: "Open environment →" });
  await expect(open).toBeVisible({ timeout: 15_000 });
  return (await open.getAttribute("href"))!;
}

/**
 * Set-up through the API for journeys that start on a ready environment (the request form, the
 * inbox and the live apply log have journeys of their own): `requester` submits a web service,
 * `approver` (if given) approves it, and this waits until the environment is ready; returns its id.
 */
export async function readyWebServiceViaApi(
  requester: APIRequestContext,
  approver: APIRequestContext | null,
  input: { team: string; tier: "dev" | "staging" | "prod"; name: string; service: string; justification: string },
): Promise<string> {
  const teams = await trpc<{ id: string; name: string }[]>(requester, "teams.list");
  const { id: requestId } = await trpc<{ id: string }>(
    requester,
    "requests.submit",
    {
      teamId: teams.find((t) => t.name === input.team)!.id,
      templateName: "web-service",
      tier: input.tier,
      environmentName: input.name,
      ttlHours: 24,
      parameters: { service_name: input.service, instance_type: "t3.small", instances: 1 },
      justification: input.justification,
      clientRequestId: randomUUID(),
    },
    "post",
  );
  if (approver) {
    const pending = await trpc<{ request: { version: number } }>(approver, "requests.get", { requestId });
    await trpc(approver, "approvals.decide", { requestId, expectedVersion: pending.request.version, decision: "approved", comment: "" }, "post");
  }
  let environmentId = "";
  await expect
    .poll(
      async () => {
        const detail = await trpc<{ environment: { id: string; status: string } | null }>(requester, "requests.get", { requestId });
        environmentId = detail.environment?.id ?? "";
        return detail.environment?.status;
      },
      { timeout: 120_000 },
    )
    .toBe("ready");
  return environmentId;
}
