/** Steps shared by the environment journeys: a unique name, a signed-in page, a ready dev environment. */
import { expect, type Browser, type Page } from "@playwright/test";
import { signInAs, type Persona } from "./session";

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

export async function newPageAs(browser: Browser, persona: Persona, path: string) {
  const page = await (await browser.newContext()).newPage();
  await signInAs(page, persona, path);
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
