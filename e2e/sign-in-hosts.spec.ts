import { expect, test } from "@playwright/test";
import { E2E_PORT } from "./support/ports";
import { personas } from "./support/session";

// The launcher sets no NEXTAUTH_URL here, so sign-in follows whichever host the browser opened
// (with NEXTAUTH_URL set, other hosts are sent to it with a notice: server/auth/canonical-host.test.ts).
for (const host of ["localhost", "127.0.0.1"]) {
  test(`sign-in works on http://${host} and the session holds there`, async ({ browser }) => {
    const context = await browser.newContext({ baseURL: `http://${host}:${E2E_PORT}` });
    const page = await context.newPage();
    await page.goto("/environments");
    await expect(page).toHaveURL(new RegExp(`^http://${host.replace(/\./g, "\\.")}:${E2E_PORT}/signin\\?callbackUrl=%2Fenvironments`));
    await page.getByRole("button", { name: new RegExp(`Sign in as ${personas.developer.name}`) }).click();
    await page.waitForURL((url) => url.hostname === host && url.pathname === "/environments");
    await expect(page.getByRole("heading", { level: 1, name: "Environments" })).toBeVisible();
    await page.reload();
    await expect(page.getByRole("heading", { level: 1, name: "Environments" })).toBeVisible();
    const me = await page.request.get("/api/trpc/me.get");
    expect(me.status()).toBe(200);
    expect(await me.text()).toContain(personas.developer.email);
    await context.close();
  });
}
