import { expect, test, type Browser, type Page } from "@playwright/test";
import { signInAs } from "./support/session";

/** A name no other test (or earlier run on this database) uses: the team's live names must be unique. */
function uniqueName(prefix: string): string {
  return `e2e-${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
}

type RequestValues = {
  team: string;
  tier: "dev" | "staging" | "prod";
  name: string;
  service?: string;
  instances?: number;
  instanceType?: string;
  justification?: string;
};

/** Fills the web-service request form as a person would. */
async function fillWebService(page: Page, v: RequestValues) {
  const form = page.getByRole("form", { name: "Request Web service" });
  await form.getByLabel("Team").selectOption({ label: v.team });
  await form.getByLabel("Tier", { exact: true }).selectOption(v.tier);
  await form.getByLabel("Environment name").fill(v.name);
  await form.getByLabel("Service name").fill(v.service ?? "checkout");
  if (v.instanceType) await form.getByLabel("Instance type").selectOption(v.instanceType);
  if (v.instances !== undefined) await form.getByLabel("Instances", { exact: true }).fill(String(v.instances));
  await form.getByLabel("Justification").fill(v.justification ?? "End-to-end test of the request journey.");
  return form;
}

/** Calls a tRPC mutation with the page's session, as the browser would (superjson body). */
async function trpcMutation<T>(page: Page, path: string, input: unknown): Promise<T> {
  const response = await page.request.post(`/api/trpc/${path}`, { data: { json: input } });
  const body = (await response.json()) as { result?: { data: { json: T } }; error?: { json: { message: string } } };
  if (!response.ok() || !body.result) throw new Error(`${path} failed: ${body.error?.json.message ?? response.status()}`);
  return body.result.data.json;
}

async function newPageAs(browser: Browser, persona: Parameters<typeof signInAs>[1], path: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInAs(page, persona, path);
  return page;
}

test("a developer requests a dev web service: the preview shows plan, cost, budget and auto-approval, and the request is queued at once", async ({
  page,
}) => {
  const name = uniqueName("dev");
  await signInAs(page, "developer", "/catalog/web-service");
  await page.getByRole("link", { name: "Request this environment" }).click();
  await expect(page).toHaveURL(/\/requests\/new\?template=web-service$/);
  await expect(page.getByRole("heading", { level: 1, name: "Request Web service" })).toBeVisible();

  const form = await fillWebService(page, { team: "Data Science", tier: "dev", name });
  const preview = page.getByRole("complementary", { name: "Live preview" });
  await expect(preview.getByRole("region", { name: "Policy decision" })).toContainText("Auto-approved");
  await expect(preview.getByText("Up to date")).toBeVisible();
  // The plan lists every resource with its tags, which carry the team, tier and service.
  const plan = preview.getByRole("list", { name: "Planned resources" });
  await expect(plan.getByRole("listitem").first()).toBeVisible();
  await plan
    .getByText(/^\d+ tags$/)
    .first()
    .click();
  await expect(plan.getByText("data-science").first()).toBeVisible();
  await expect(plan.getByText("managed-by").first()).toBeVisible();
  await expect(preview.getByRole("region", { name: "Estimated cost" })).toContainText(/Per month\s*\$\d/);
  await expect(preview.getByRole("region", { name: "Budget of Data Science" }).getByRole("img", { name: /^Budget:/ })).toBeVisible();
  await expect(preview.getByRole("table", { name: "Team quotas" }).getByRole("row", { name: /vCPUs/ })).toBeVisible();

  await form.getByRole("button", { name: "Submit request" }).click();
  await page.waitForURL(/\/requests\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  // Auto-approved requests are queued in the same transaction (a worker may already have picked it up).
  await expect(page.getByText(/^(Queued|Provisioning|Ready)$/).first()).toBeVisible();
  const timeline = page.getByRole("list", { name: "Timeline" });
  await expect(timeline).toContainText("Dana Developer submitted the request");
  await expect(timeline).toContainText("approved automatically by policy");
  await expect(page.getByRole("region", { name: "Approvals" })).toContainText("No approval needed");

  // It is listed among my requests, found by its name.
  await page.goto("/requests");
  await page.getByRole("searchbox", { name: "Search" }).fill(name);
  const row = page.getByRole("table", { name: "Requests" }).getByRole("row", { name: new RegExp(name) });
  await expect(row).toContainText(/Queued|Provisioning|Ready/);
  await expect(row).toContainText("Data Science");

  // The same name again for the same team is refused next to the name field.
  await page.goto("/requests/new?template=web-service");
  const again = await fillWebService(page, { team: "Data Science", tier: "dev", name });
  await expect(page.getByRole("complementary", { name: "Live preview" }).getByRole("region", { name: "Policy decision" })).toContainText(
    "Auto-approved",
  );
  await again.getByRole("button", { name: "Submit request" }).click();
  await expect(again.getByText(`Environment name: The team already has a live environment or request named ${name}`)).toBeVisible();
  await expect(page).toHaveURL(/\/requests\/new/);
});

test("the form checks values as you type and keeps the preview paused until parameters are valid", async ({ page }) => {
  await signInAs(page, "developer", "/requests");
  await page.goto("/requests/new?template=web-service");
  const form = page.getByRole("form", { name: "Request Web service" });
  await form.getByLabel("Environment name").fill("Not A Name");
  await form.getByLabel("Environment name").blur();
  await expect(form.getByText(/^Environment name: lowercase letters, digits and '-'/)).toBeVisible();
  await form.getByLabel("Instances", { exact: true }).fill("50");
  await expect(form.getByText("Instances at most 20")).toBeVisible();
  await expect(page.getByRole("complementary", { name: "Live preview" })).toContainText("Fix the highlighted parameters");
  // The tier's maximum lifetime is enforced next to the field.
  await form.getByLabel("Lifetime", { exact: true }).fill("30");
  await form.getByLabel("Lifetime", { exact: true }).blur();
  await expect(form.getByText("Lifetime: at most 14 days on dev")).toBeVisible();
  await form.getByRole("button", { name: "Submit request" }).click();
  await expect(page).toHaveURL(/\/requests\/new/);
  await expect(form.getByText(/^Justification: say why/)).toBeVisible();
});

test("a request over the team's budget is denied with its reason shown before submit", async ({ page, browser }) => {
  // A team of its own with a $1 hard budget, so other tests' requests cannot change the figures.
  const slug = uniqueName("budget").slice(0, 40);
  const admin = await newPageAs(browser, "admin", "/admin/teams");
  const team = await trpcMutation<{ id: string }>(admin, "teams.create", {
    name: `Budget ${slug.slice(-6)}`,
    slug,
    description: "",
    costCenter: "CC-E2E",
    monthlyBudgetUsd: 1,
  });
  await trpcMutation(admin, "teams.setMember", { teamId: team.id, email: "dev@provisio.local", role: "member" });
  await admin.context().close();

  await signInAs(page, "developer", "/requests");
  await page.goto(`/requests/new?template=web-service&team=${team.id}`);
  const form = page.getByRole("form", { name: "Request Web service" });
  await expect(form.getByLabel("Team")).toHaveValue(team.id);
  await form.getByLabel("Environment name").fill(uniqueName("big"));
  await form.getByLabel("Service name").fill("bigsvc");
  await form.getByLabel("Instance type").selectOption("c5.xlarge");
  await form.getByLabel("Instances", { exact: true }).fill("20");
  await form.getByLabel("Justification").fill("A large fleet that this team cannot afford.");

  const decision = page.getByRole("complementary", { name: "Live preview" }).getByRole("region", { name: "Policy decision" });
  await expect(decision).toContainText("Denied");
  await expect(decision.getByRole("list", { name: "Policy reasons" })).toContainText(/Exceeds remaining budget: .* left of \$1, this request needs/);
  const submit = form.getByRole("button", { name: "Submit request" });
  await expect(submit).toBeDisabled();
  await expect(form.getByText(/^Submit is disabled: policy denies this request \(exceeds remaining budget/)).toBeVisible();
  await expect(page.getByRole("img", { name: /^Budget: .* over$/ })).toBeVisible();
});

test("an unknown or malformed request id answers 404", async ({ page }) => {
  await signInAs(page, "developer", "/requests");
  for (const path of ["/requests/00000000-0000-4000-8000-000000000000", "/requests/not-a-request"]) {
    const response = await page.goto(path);
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "No such request" })).toBeVisible();
  }
  const response = await page.goto("/requests/new?template=no-such-template");
  expect(response?.status()).toBe(404);
});
