import { expect, test, type Page } from "@playwright/test";
import { signInAs } from "./support/session";

/**
 * The pages under their security headers in a real browser: every header present, and nothing
 * the Content-Security-Policy blocks (Next.js scripts carry the nonce; recharts and CodeMirror
 * style inline), so pages render and react to input as before.
 */

/** Collects what the CSP blocks on this page, from the browser's own violation events. */
async function watchViolations(page: Page): Promise<() => Promise<string[]>> {
  const console: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to (load|execute|apply)/i.test(message.text())) console.push(message.text());
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = seen;
    document.addEventListener("securitypolicyviolation", (event) =>
      seen.push(`${event.violatedDirective} ${event.blockedURI} at ${event.sourceFile}:${event.lineNumber}:${event.columnNumber}`),
    );
  });
  return async () => [...console, ...(await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []))];
}

test("every page answer carries the security headers and a fresh nonce", async ({ page }) => {
  const first = await page.goto("/signin");
  const second = await page.request.get("/signin");
  const headers = first!.headers();
  expect(headers["x-frame-options"]).toBe("DENY");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("same-origin");
  expect(headers["permissions-policy"]).toContain("camera=()");
  expect(headers["strict-transport-security"]).toBeUndefined(); // plain http here
  const csp = headers["content-security-policy"] ?? "";
  expect(csp).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(second.headers()["content-security-policy"]).not.toBe(csp);
  // Next.js put the nonce on its scripts.
  const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
  expect(await page.locator(`script[nonce]`).count()).toBeGreaterThan(0);
  expect(await page.evaluate(() => [...document.scripts].filter((s) => !s.nonce).length)).toBe(0);
  expect(nonce.length).toBeGreaterThan(10);

  const api = await page.request.get("/api/health");
  expect(api.headers()["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'");
  expect(api.headers()["x-frame-options"]).toBe("DENY");
  const asset = await page.request.get((await page.locator("script[src]").first().getAttribute("src"))!);
  expect(asset.headers()["x-content-type-options"]).toBe("nosniff");
});

test("pages with charts, forms and the YAML editor render and work with nothing blocked", async ({ page, browser }) => {
  const violations = await watchViolations(page);
  await signInAs(page, "developer", "/costs");
  await expect(page.getByRole("region", { name: "Spent this month" })).toBeVisible();
  // A client-side control works: the team picker changes the URL.
  await page.getByLabel("Team", { exact: true }).selectOption({ index: 1 });
  await page.waitForURL((url) => url.searchParams.has("team"));
  expect(await violations()).toEqual([]);

  await page.goto("/catalog/web-service");
  await page.getByRole("link", { name: "Request this environment" }).click();
  // The preview comes from a query the page runs in the browser: scripts and the API work.
  const form = page.getByRole("form", { name: /^Request / });
  await form.getByLabel("Environment name").fill("csp-check");
  await form.getByLabel("Service name").fill("checkout");
  await expect(page.getByRole("complementary", { name: "Live preview" }).getByRole("region", { name: "Policy decision" })).toBeVisible();
  expect(await violations()).toEqual([]);

  const adminPage = await (await browser.newContext()).newPage();
  const adminViolations = await watchViolations(adminPage);
  await signInAs(adminPage, "admin", "/admin/templates/new");
  await checkEditor(adminPage);
  expect(await adminViolations()).toEqual([]);
});

async function checkEditor(page: Page) {
  const editor = page.getByRole("textbox", { name: /^YAML of/ });
  await expect(editor).toBeVisible();
  // CodeMirror's theme is a <style> element it adds at run time: applied, so inline styles pass.
  await expect(page.locator(".cm-gutters")).toHaveCSS("background-color", "rgb(248, 250, 252)");
  await editor.click();
  await page.keyboard.press("Control+A");
  // The template editor finding: 255 KB of nested [ is named at once, not parsed for seconds.
  await page.keyboard.insertText("[".repeat(255 * 1024));
  await expect(page.getByRole("region", { name: "Problems" })).toContainText("nested too deeply", { timeout: 5_000 });
}

test("the app cannot be framed by another page", async ({ page, baseURL }) => {
  await page.goto("/api/health"); // a page of the origin: even same-origin framing is refused
  const loaded = page.waitForEvent("framenavigated", (frame) => frame !== page.mainFrame());
  await page.setContent(`<iframe id="f" src="${baseURL}/signin"></iframe>`);
  const frame = await loaded;
  expect(frame.url()).toMatch(/^chrome-error:/);
  expect(await frame.content()).not.toContain("Sign in to Provisio");
});

test("a signed-in visitor of the sign-in page is sent only to a path of this site", async ({ page }) => {
  await signInAs(page, "developer");
  for (const callback of ["/%5Cevil.example/", "/%09/evil.example/", "//evil.example/", "/.//evil.example/", "https://evil.example/"]) {
    const response = await page.request.get(`/signin?callbackUrl=${callback}`, { maxRedirects: 0 });
    expect(response.status(), callback).toBe(307);
    expect(response.headers().location, callback).toBe("/");
  }
  const kept = await page.request.get(`/signin?callbackUrl=${encodeURIComponent("/requests?status=pending")}`, { maxRedirects: 0 });
  expect(kept.headers().location).toBe("/requests?status=pending");
});
