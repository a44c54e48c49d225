import { expect, test } from "@playwright/test";
import { mainNavLinks, personas, signInThroughForm, type Persona } from "./support/session";

const expectedNav: Record<Persona, string[]> = {
  developer: ["Home", "Catalog", "Requests", "Environments", "Costs"],
  approver: ["Home", "Catalog", "Requests", "Approvals", "Environments", "Costs", "SLOs"],
  admin: ["Home", "Catalog", "Requests", "Approvals", "Environments", "Costs", "SLOs", "Audit", "Admin"],
  auditor: ["Home", "Catalog", "Requests", "Environments", "Costs", "SLOs", "Audit"],
};

test("an anonymous visitor signs in and lands on the page they asked for", async ({ page }) => {
  await page.goto("/account?tab=teams");
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Faccount%3Ftab%3Dteams/);
  await expect(page.getByRole("heading", { name: "Sign in to Provisio" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Sign in with Test IdP" })).toBeVisible();
  await page.getByRole("button", { name: /Sign in as Dana Developer/ }).click();
  await page.waitForURL((url) => url.pathname === "/account");
  await expect(page.getByRole("heading", { name: "My teams and roles" })).toBeVisible();
});

for (const persona of Object.keys(personas) as Persona[]) {
  test(`${persona} signs in with the demo sign-in and sees only their navigation`, async ({ page }) => {
    await signInThroughForm(page, persona);
    await expect(page.getByRole("heading", { level: 1, name: "Catalog" })).toBeVisible();
    expect(await mainNavLinks(page)).toEqual(expectedNav[persona]);
    await page
      .getByRole("link", { name: new RegExp(personas[persona].name) })
      .first()
      .click();
    await expect(page.getByRole("heading", { name: "My teams and roles" })).toBeVisible();
    await expect(page.getByText(`Signed in as ${personas[persona].name} (${personas[persona].email}).`)).toBeVisible();
  });
}

test("the account page lists a developer's teams and roles", async ({ page }) => {
  await signInThroughForm(page, "approver", "/account");
  const teams = page.getByRole("table", { name: "Your team memberships" });
  await expect(teams.getByRole("row", { name: /Payments Platform approver/ })).toBeVisible();
  await expect(teams.getByRole("row", { name: /Data Science approver/ })).toBeVisible();
});

test("sign-out ends the session", async ({ page }) => {
  await signInThroughForm(page, "developer");
  await page.getByRole("button", { name: "Sign out" }).first().click();
  await expect(page).toHaveURL(/\/signin/);
  await page.goto("/environments");
  await expect(page).toHaveURL(/\/signin/);
});

test("after sign-out the old session cookie no longer works on the API", async ({ page, playwright, baseURL }) => {
  await signInThroughForm(page, "developer");
  const cookie = (await page.context().cookies()).find((c) => c.name === "next-auth.session-token");
  expect(cookie).toBeDefined();
  // The same cookie from somewhere else (a copied cookie, another tab's client): it works while signed in…
  const copy = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { cookie: `${cookie!.name}=${cookie!.value}` } });
  const before = await copy.get("/api/trpc/me.get");
  expect(before.status()).toBe(200);
  expect(await before.text()).toContain(personas.developer.email);

  await page.getByRole("button", { name: "Sign out" }).first().click();
  await expect(page).toHaveURL(/\/signin/);
  // …and is refused everywhere once its session was signed out.
  const after = await copy.get("/api/trpc/me.get");
  expect(after.status()).toBe(401);
  expect((await copy.get("/api/audit/export")).status()).toBe(401);
  await copy.dispose();
});

test("repeated failed sign-ins are throttled with a clear message", async ({ page, request }) => {
  // Sign-ins as an unknown user fail; after five in a minute the sixth is refused before it is even looked at.
  const email = `guess-${Date.now().toString(36)}@example.com`;
  const attempt = async () => {
    const csrf = (await (await request.get("/api/auth/csrf")).json()) as { csrfToken: string };
    const response = await request.post("/api/auth/callback/demo", { form: { email, csrfToken: csrf.csrfToken, json: "true" } });
    return new URL(((await response.json()) as { url: string }).url);
  };
  for (let i = 0; i < 5; i++) expect((await attempt()).searchParams.get("error")).toBe("CredentialsSignin");
  const refused = await attempt();
  expect(refused.searchParams.get("error")).toBe("SignInThrottled");
  await page.goto(refused.pathname + refused.search);
  await expect(
    page.getByRole("alert").filter({ hasText: "Too many sign-in attempts from here or for this user. Wait a minute, then try again." }),
  ).toBeVisible();
});

test("an unknown demo user is refused with a clear message", async ({ page, request }) => {
  const csrf = (await (await request.get("/api/auth/csrf")).json()) as { csrfToken: string };
  const response = await request.post("/api/auth/callback/demo", {
    form: { email: "intruder@example.com", csrfToken: csrf.csrfToken, json: "true" },
  });
  const body = (await response.json()) as { url: string };
  expect(body.url).toContain("error=CredentialsSignin");
  await page.goto(new URL(body.url).pathname + new URL(body.url).search);
  await expect(page.getByRole("alert").filter({ hasText: "does not exist or demo sign-in is turned off" })).toBeVisible();
});
