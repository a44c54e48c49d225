import { expect, type Page } from "@playwright/test";

export const personas = {
  developer: { name: "Dana Developer", email: "dev@provisio.local" },
  approver: { name: "Avery Approver", email: "approver@provisio.local" },
  admin: { name: "Ada Admin", email: "admin@provisio.local" },
  auditor: { name: "Audrey Auditor", email: "auditor@provisio.local" },
} as const;

export type Persona = keyof typeof personas;

/** Signs in through the demo sign-in page, as a person would, and waits for the app shell. */
export async function signInAs(page: Page, persona: Persona, path = "/catalog") {
  const { name } = personas[persona];
  await page.goto(`/signin?callbackUrl=${encodeURIComponent(path)}`);
  await page.getByRole("button", { name: new RegExp(`Sign in as ${name}`) }).click();
  await page.waitForURL((url) => url.pathname === path);
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
}

export async function mainNavLinks(page: Page): Promise<string[]> {
  return page.getByRole("navigation", { name: "Main" }).getByRole("link").allInnerTexts();
}
