import { expect, test } from "@playwright/test";
import { signInAs, type Persona } from "./support/session";

/** The home page per role: the cards each persona needs, each linking to its page. Screenshots for review go to .tmp/screens/. */

const cards: Record<Persona, { title: string; link: string; href: RegExp }[]> = {
  developer: [
    { title: "My environments", link: "All environments", href: /^\/environments$/ },
    { title: "Expiring soon", link: "Expiring environments", href: /^\/environments\?expiring=24$/ },
    { title: "My open requests", link: "All my requests", href: /^\/requests$/ },
  ],
  approver: [
    { title: "Waiting for your approval", link: "Open the inbox", href: /^\/approvals$/ },
    { title: "My environments", link: "All environments", href: /^\/environments$/ },
  ],
  admin: [
    { title: "Failed runs (last 7 days)", link: "Failed environments", href: /status=failed/ },
    { title: "Provisioning queue", link: "Provisioning environments", href: /status=provisioning/ },
    { title: "Workers", link: "Health check", href: /^\/api\/health$/ },
    { title: "Spend this month against budgets", link: "Costs", href: /^\/costs$/ },
    { title: "Waiting for your approval", link: "Open the inbox", href: /^\/approvals$/ },
  ],
  auditor: [
    { title: "Workers", link: "Health check", href: /^\/api\/health$/ },
    { title: "Spend this month against budgets", link: "Costs", href: /^\/costs$/ },
  ],
};

for (const persona of Object.keys(cards) as Persona[]) {
  test(`the ${persona}'s home page shows their cards, each linking to its page`, async ({ page }) => {
    await signInAs(page, persona, "/");
    await expect(page.getByRole("heading", { level: 1, name: /^Welcome, / })).toBeVisible();
    for (const card of cards[persona]) {
      const region = page.getByRole("region", { name: card.title, exact: true });
      await expect(region).toBeVisible();
      await expect(region.getByRole("link", { name: new RegExp(`^${card.link}`) })).toHaveAttribute("href", card.href);
    }
    if (persona === "auditor") await expect(page.getByRole("region", { name: "Waiting for your approval" })).toHaveCount(0);
    if (persona === "developer") await expect(page.getByRole("region", { name: "Workers" })).toHaveCount(0);
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await page.screenshot({ path: `.tmp/screens/home-${persona}-${width}.png`, fullPage: true });
    }
  });
}

test("the home page's cards follow their links", async ({ page }) => {
  await signInAs(page, "approver", "/");
  await page
    .getByRole("region", { name: "Waiting for your approval" })
    .getByRole("link", { name: /^Open the inbox/ })
    .click();
  await expect(page).toHaveURL(/\/approvals$/);
  await expect(page.getByRole("heading", { level: 1, name: "Approvals" })).toBeVisible();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Home" }).click();
  await expect(page.getByRole("heading", { level: 1, name: /^Welcome, Avery/ })).toBeVisible();
});
