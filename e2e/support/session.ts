import { expect, type Cookie, type Page } from "@playwright/test";

export const personas = {
  developer: { name: "Dana Developer", email: "dev@provisio.local" },
  approver: { name: "Avery Approver", email: "approver@provisio.local" },
  admin: { name: "Ada Admin", email: "admin@provisio.local" },
  auditor: { name: "Audrey Auditor", email: "auditor@provisio.local" },
} as const;

export type Persona = keyof typeof personas;

/** Demo users who are not one of the four personas (db/seed.ts): Payments' second approver. */
export const demoUsers = {
  ...personas,
  approver2: { name: "Sam Second-Approver", email: "approver2@provisio.local" },
} as const;

export type DemoUser = keyof typeof demoUsers;

/**
 * Signs in through the demo sign-in page, as a person would, and waits for the app shell.
 * The journeys about signing in (and out) use this every time; the others go through signInAs.
 */
export async function signInThroughForm(page: Page, who: DemoUser, path = "/catalog") {
  const { name } = demoUsers[who];
  await page.goto(`/signin?callbackUrl=${encodeURIComponent(path)}`);
  await page.getByRole("button", { name: new RegExp(`Sign in as ${name}`) }).click();
  await signedInOn(page, path);
}

async function signedInOn(page: Page, path: string) {
  const pathname = path.split("?")[0];
  await page.waitForURL((url) => url.pathname === pathname);
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
}

/**
 * The session cookie of each demo user's sign-in in this worker. Only sign-in.spec.ts signs out,
 * and it signs in through the form each time: a sign-out revokes only its own session (its row in
 * user_sessions), so the sessions kept here stay valid for the whole run.
 */
const sessions = new Map<DemoUser, Promise<Cookie[]>>();

/**
 * Signs `page` in as `who` and opens `path`, waiting for the app shell. The first time in this
 * worker through the sign-in page (signInThroughForm); after that the page's browser context gets
 * that sign-in's session cookie and opens `path` directly, as a person with a signed-in browser would.
 */
export async function signInAs(page: Page, who: DemoUser, path = "/catalog") {
  const known = sessions.get(who);
  if (known) {
    await page.context().addCookies(await known);
    await page.goto(path);
    await signedInOn(page, path);
    return;
  }
  const session = (async () => {
    await signInThroughForm(page, who, path);
    const cookies = (await page.context().cookies()).filter((c) => c.name.includes("next-auth.session-token"));
    expect(cookies.length, "the sign-in set a session cookie").toBeGreaterThan(0);
    return cookies;
  })();
  sessions.set(who, session);
  session.catch(() => sessions.delete(who));
  await session;
}

export async function mainNavLinks(page: Page): Promise<string[]> {
  return page.getByRole("navigation", { name: "Main" }).getByRole("link").allInnerTexts();
}
