import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { randomUUID } from "node:crypto";
import { uniqueName } from "./support/environments";
import { trpc } from "./support/trpc";
import { routesFor } from "./support/pages";
import { personas, signInAs, type Persona } from "./support/session";

/**
 * Standing checks over every page of every persona (the list: e2e/support/pages.ts): at 390 px
 * nothing scrolls sideways, and axe finds no serious or critical violation (at 1280 px on every
 * page, at 390 px on the home page with the phone menu).
 * One sign-in per persona; every finding is collected, then reported together.
 */

/** A request with an environment, made once by the developer, for the detail pages. */
let subjects: { request: string; environment: string } | null = null;

test.beforeAll(async ({ browser }) => {
  test.setTimeout(5 * 60_000);
  const page = await browser.newPage();
  await signInAs(page, "developer", "/requests");
  const teams = await trpc<{ id: string; name: string }[]>(page.request, "teams.list");
  const team = teams.find((t) => t.name === "Payments Platform")!;
  const submitted = await trpc<{ id: string }>(
    page.request,
    "requests.submit",
    {
      teamId: team.id,
      templateName: "web-service",
      tier: "dev",
      environmentName: uniqueName("pages"),
      ttlHours: 4,
      parameters: { service_name: "pages", instance_type: "t3.small", instances: 1 },
      justification: "Standing page checks.",
      clientRequestId: randomUUID(),
    },
    "post",
  );
  // Auto-approved: wait for the worker to make its environment.
  let environment: string | null = null;
  await expect
    .poll(
      async () => {
        const detail = await trpc<{ environment: { id: string } | null }>(page.request, "requests.get", { requestId: submitted.id });
        environment = detail.environment?.id ?? null;
        return environment;
      },
      { timeout: 120_000 },
    )
    .not.toBeNull();
  subjects = { request: submitted.id, environment: environment! };
  await page.context().close();
});

async function settled(page: Page) {
  await expect(page.locator("main h1, main h2").first()).toBeVisible();
  // Skeletons and "Loading" statuses gone (the live event stream never idles the network, so no networkidle).
  await expect(page.locator('[aria-label="Loading"], [aria-busy="true"]')).toHaveCount(0);
}

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .map((n) => n.target.join(" "))
          .slice(0, 3)
          .join(", ")}`,
    );
}

for (const persona of Object.keys(personas) as Persona[]) {
  test(`every page of the ${persona}: no sideways scroll at 390 px, no serious axe violation`, async ({ browser }) => {
    // Many pages: a ceiling for a slow machine, not an expectation.
    test.setTimeout(15 * 60_000);
    // Signed in at desktop width (the navigation is behind the menu on a phone).
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInAs(page, persona, "/");
    const me = await trpc<{ teams: { id: string }[] }>(page.request, "me.get");
    const admin = persona === "admin" ? await trpc<{ id: string }[]>(page.request, "teams.list") : [];
    const team = me.teams[0]?.id ?? admin[0]?.id ?? "";
    const findings: string[] = [];
    for (const route of routesFor(persona)) {
      const path = route.replace(":request", subjects!.request).replace(":environment", subjects!.environment).replace(":team", team);
      // Loaded once at desktop width for axe, then narrowed to a phone in place: the layout reflows
      // from the same CSS, and a second load per page would double the slowest part of CI.
      await page.setViewportSize({ width: 1280, height: 900 });
      const response = await page.goto(path);
      expect.soft(response?.status(), `${route} answers`).toBeLessThan(400);
      await settled(page);
      for (const violation of await seriousViolations(page)) findings.push(`${route} at 1280 px: ${violation}`);
      await page.setViewportSize({ width: 390, height: 844 });
      await settled(page);
      const { scroll, client, culprits } = await page.evaluate(async () => {
        // Two frames: the resize has been laid out and painted before anything is measured.
        await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
        const client = document.documentElement.clientWidth;
        // The deepest elements reaching past the right edge: what to fix.
        const wide = [...document.querySelectorAll("main *")].filter((el) => el.getBoundingClientRect().right > client + 1);
        const culprits = wide
          .filter((el) => !wide.some((other) => other !== el && el.contains(other)))
          .slice(0, 3)
          .map((el) => `<${el.tagName.toLowerCase()} class="${el.getAttribute("class") ?? ""}">`);
        return { scroll: document.documentElement.scrollWidth, client, culprits };
      });
      if (scroll > client) findings.push(`${route} at 390 px is ${scroll} px wide (${culprits.join(", ")})`);
      // axe at phone width on the home page too: its menu only exists there (layout rules change
      // with the width, content rules do not).
      if (route === "/") for (const violation of await seriousViolations(page)) findings.push(`${route} at 390 px: ${violation}`);
    }
    expect(findings, findings.join("\n")).toEqual([]);
    await context.close();
  });
}
