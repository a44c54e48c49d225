import { expect, test, type APIRequestContext } from "@playwright/test";
import { randomUUID } from "node:crypto";
import { newPageAs, uniqueName } from "./support/environments";

/** The rough edges a first-hour walkthrough found (issue 18, items 4–8), each held by a browser check. */

type Json<T> = { result: { data: { json: T } } };
async function call<T>(request: APIRequestContext, path: string, input: unknown, method: "get" | "post"): Promise<T> {
  const response =
    method === "post"
      ? await request.post(`/api/trpc/${path}`, { data: { json: input } })
      : await request.get(`/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`);
  expect(response.status(), await response.text()).toBe(200);
  return ((await response.json()) as Json<T>).result.data.json;
}

async function paymentsTeam(request: APIRequestContext) {
  const teams = await (await request.get("/api/trpc/teams.list")).json();
  return (teams as Json<{ id: string; name: string }[]>).result.data.json.find((t) => t.name === "Payments Platform")!;
}

async function submit(request: APIRequestContext, tier: "dev" | "staging", name: string) {
  const team = await paymentsTeam(request);
  return call<{ id: string }>(
    request,
    "requests.submit",
    {
      teamId: team.id,
      templateName: "web-service",
      tier,
      environmentName: name,
      ttlHours: 4,
      parameters: { service_name: "walk", instance_type: "t3.small", instances: 1 },
      justification: "Walkthrough checks.",
      clientRequestId: randomUUID(),
    },
    "post",
  );
}

test("the cost breakdown's Share column is whole at 1280 px", async ({ browser }) => {
  const developer = await newPageAs(browser, "developer", "/requests");
  const { id } = await submit(developer.request, "dev", uniqueName("share"));
  // A ready environment has an open cost record, so the breakdowns have rows.
  await expect
    .poll(
      async () =>
        (await call<{ environment: { status: string } | null }>(developer.request, "requests.get", { requestId: id }, "get")).environment?.status,
      {
        timeout: 120_000,
      },
    )
    .toBe("ready");
  await developer.setViewportSize({ width: 1280, height: 900 });
  // The team the environment is in (the page opens on another one by default).
  await developer.goto(`/costs?team=${(await paymentsTeam(developer.request)).id}`);
  for (const name of ["By template", "By tier"]) {
    const table = developer.getByRole("table", { name });
    await expect(table.getByRole("row").nth(1)).toBeVisible();
    const fits = await table.evaluate((t) => {
      const box = t.parentElement!.getBoundingClientRect();
      return (
        [...t.querySelectorAll("th, td")].every((cell) => cell.getBoundingClientRect().right <= box.right + 0.5) && t.scrollWidth <= t.clientWidth
      );
    });
    expect(fits, `${name}: every cell inside its card`).toBe(true);
    await expect(table.getByRole("columnheader", { name: "Share" })).toBeVisible();
    await expect(table.getByText(/^\d+(\.\d)?%$/).first()).toBeVisible();
  }
});

test("a budget typed before the page has hydrated is the one saved", async ({ browser }) => {
  const admin = await newPageAs(browser, "admin", "/admin/teams");
  const slug = uniqueName("budget").slice(0, 40);
  const team = await call<{ id: string }>(
    admin.request,
    "teams.create",
    { slug, name: `Budget ${slug.slice(-6)}`, description: "", costCenter: "CC-77", monthlyBudgetUsd: 1000 },
    "post",
  );
  // Slow scripts: the form is on screen well before React takes it over.
  await admin.route("**/_next/static/chunks/**", async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 800));
    await route.continue();
  });
  await admin.goto(`/admin/teams/${team.id}`, { waitUntil: "commit" });
  const form = admin.getByRole("form", { name: "Team settings" });
  await form.getByLabel("Monthly budget (USD)").fill("4321");
  await form.getByRole("button", { name: "Save changes" }).click();
  await expect(form.getByRole("status")).toHaveText("Saved.");
  await admin.unroute("**/_next/static/chunks/**");
  await admin.reload();
  await expect(admin.getByRole("form", { name: "Team settings" }).getByLabel("Monthly budget (USD)")).toHaveValue("4321");
});

test("cancelling a request offers Keep request next to Cancel request", async ({ browser }) => {
  const developer = await newPageAs(browser, "developer", "/requests");
  const { id } = await submit(developer.request, "staging", uniqueName("keep"));
  await developer.goto(`/requests/${id}`);
  await developer.getByRole("button", { name: "Cancel request" }).click();
  const dialog = developer.getByRole("dialog");
  await expect(dialog.getByRole("button", { name: "Cancel request" })).toBeVisible();
  await expect(dialog.getByRole("button", { name: "Cancel", exact: true })).toHaveCount(0);
  await dialog.getByRole("button", { name: "Keep request" }).click();
  await expect(dialog).toBeHidden();
  await expect(developer.getByText("Pending approval", { exact: true })).toBeVisible();
});
