import { expect, test } from "@playwright/test";
import { mainNavLinks } from "./support/session";

test("a person signs in through the OpenID Connect provider and gets an account", async ({ page }) => {
  await page.goto("/signin");
  await page.getByRole("button", { name: "Sign in with Test IdP" }).click();

  // The identity provider's own login and consent pages.
  await expect(page).toHaveURL(/127\.0\.0\.1:\d+\/interaction\//);
  await page.locator('input[name="login"]').fill("kim.park");
  await page.locator('input[name="password"]').fill("correct horse battery staple");
  await page.getByRole("button", { name: "Sign-in" }).click();
  const consent = page.getByRole("button", { name: "Continue" });
  if (await consent.isVisible().catch(() => false)) await consent.click();

  await page.waitForURL((url) => url.pathname === "/");
  await expect(page.getByText("You are not in a team yet: ask an admin to add you.", { exact: false })).toBeVisible();
  expect(await mainNavLinks(page)).toEqual(["Home", "Catalog", "Requests", "Environments", "Costs"]);
  await page.goto("/account");
  await expect(page.getByText("Signed in as Kim Park (kim.park@idp.test).")).toBeVisible();
  await expect(page.getByRole("heading", { name: "You are not in any team" })).toBeVisible();
});
