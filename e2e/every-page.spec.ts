import AxeBuilder from "@axe-core/playwright";
import { createRequire } from "node:module";
import { expect, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { randomUUID } from "node:crypto";
import { uniqueName } from "./support/environments";
import { trpc } from "./support/trpc";
import { visitsFor, type Visit } from "./support/pages";
import { personas, signInAs, type Persona } from "./support/session";

/**
 * Standing checks over every page of every persona (the list: e2e/support/pages.ts): each persona
 * opens every page it may reach, which renders (no error status), logs no console error and does
 * not scroll sideways at 390 px. axe finds no serious or critical violation, scanned once per
 * page as the persona that sees the most on it (at 1280 px, and at 390 px on the home page with
 * the phone menu): axe is most of the cost, and the same page scanned again as a persona that
 * sees less of it finds nothing new.
 * The pages are split into several tests so both workers share them; every finding of a test is
 * collected, then reported together, each naming the persona and the route.
 */

type Session = { storageState: Awaited<ReturnType<BrowserContext["storageState"]>>; team: string };

/** One session per persona per worker (support/session.ts), with the persona's first team. */
const sessions = new Map<Persona, Promise<Session>>();
function sessionOf(browser: Browser, persona: Persona): Promise<Session> {
  let session = sessions.get(persona);
  if (!session) {
    session = (async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await signInAs(page, persona, "/");
      const me = await trpc<{ teams: { id: string }[] }>(page.request, "me.get");
      const all = me.teams.length === 0 && persona === "admin" ? await trpc<{ id: string }[]>(page.request, "teams.list") : [];
      const team = me.teams[0]?.id ?? all[0]?.id ?? "";
      const storageState = await context.storageState();
      await context.close();
      return { storageState, team };
    })();
    session.catch(() => sessions.delete(persona));
    sessions.set(persona, session);
  }
  return session;
}

/** A request with an environment, made once per worker by the developer, for the detail pages. */
let subjects: { request: string; environment: string } | null = null;

test.beforeAll(async ({ browser }) => {
  test.setTimeout(5 * 60_000);
  const context = await browser.newContext({ storageState: (await sessionOf(browser, "developer")).storageState });
  const teams = await trpc<{ id: string; name: string }[]>(context.request, "teams.list");
  const team = teams.find((t) => t.name === "Payments Platform")!;
  const submitted = await trpc<{ id: string }>(
    context.request,
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
        const detail = await trpc<{ environment: { id: string } | null }>(context.request, "requests.get", { requestId: submitted.id });
        environment = detail.environment?.id ?? null;
        return environment;
      },
      { timeout: 120_000 },
    )
    .not.toBeNull();
  subjects = { request: submitted.id, environment: environment! };
  await context.close();
});

async function settled(page: Page) {
  await expect(page.locator("main h1, main h2").first()).toBeVisible();
  // Skeletons and "Loading" statuses gone (the live event stream never idles the network, so no networkidle).
  await expect(page.locator('[aria-label="Loading"], [aria-busy="true"]')).toHaveCount(0);
}

/**
 * The axe rules that cannot report a serious or critical violation: every check of theirs (and the
 * rule itself) is at most "moderate", and a violation's impact is the highest of its failed checks.
 * Read from the axe-core that @axe-core/playwright injects, so an upgrade that raises a rule's
 * impact runs it again; if axe's metadata cannot be read, no rule is skipped.
 */
const rulesBelowSerious: string[] = (() => {
  type Check = string | { id: string };
  type Audit = {
    rules: { id: string; any: Check[]; all: Check[]; none: Check[] }[];
    data: { checks: Record<string, { impact?: string }>; rules: Record<string, { impact?: string }> };
  };
  // The axe-core that @axe-core/playwright itself loads (it may pin its own copy).
  const fromBuilder = createRequire(createRequire(import.meta.url).resolve("@axe-core/playwright"));
  const audit = (fromBuilder("axe-core") as { _audit?: Audit })._audit;
  if (!audit?.rules || !audit.data?.checks) return [];
  const low = (impact: string | undefined) => impact === "minor" || impact === "moderate";
  return audit.rules
    .filter((rule) => {
      const checks = [...rule.any, ...rule.all, ...rule.none].map((c) => (typeof c === "string" ? c : c.id));
      const ruleImpact = audit.data.rules[rule.id]?.impact;
      return checks.length > 0 && checks.every((id) => low(audit.data.checks[id]?.impact)) && (ruleImpact === undefined || low(ruleImpact));
    })
    .map((rule) => rule.id);
})();

async function seriousViolations(page: Page): Promise<string[]> {
  // In-page (legacy) mode and only the violations' nodes: the default mode finishes every scan in a
  // fresh blank page (for cross-origin frames, which the app has none of) and serialises every
  // passing node; this is about a third of the time for the same violations. Rules that cannot
  // find anything serious are not run (their findings were dropped below anyway).
  const results = await new AxeBuilder({ page })
    .setLegacyMode(true)
    .disableRules(rulesBelowSerious)
    .options({ resultTypes: ["violations"] })
    .analyze();
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

/** How far the page reaches past the right edge at the current width, and the deepest elements that do. */
function overflow(page: Page) {
  return page.evaluate(async () => {
    // Two frames: the resize has been laid out and painted before anything is measured.
    await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
    const client = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll("main *")].filter((el) => el.getBoundingClientRect().right > client + 1);
    const culprits = wide
      .filter((el) => !wide.some((other) => other !== el && el.contains(other)))
      .slice(0, 3)
      .map((el) => `<${el.tagName.toLowerCase()} class="${el.getAttribute("class") ?? ""}">`);
    return { scroll: document.documentElement.scrollWidth, client, culprits };
  });
}

const desktop = { width: 1280, height: 900 };
const phone = { width: 390, height: 844 };

/** Visits the pages of one persona; returns every finding, each naming the persona and the route. */
async function checkPages(browser: Browser, persona: Persona, visits: Visit[]): Promise<string[]> {
  const { storageState, team } = await sessionOf(browser, persona);
  const context = await browser.newContext({ storageState, viewport: phone });
  const page = await context.newPage();
  const findings: string[] = [];
  let route = "";
  page.on("console", (message) => {
    if (message.type() === "error") findings.push(`${persona} ${route}: console error: ${message.text()}`);
  });
  page.on("pageerror", (error) => findings.push(`${persona} ${route}: uncaught ${error.message}`));
  for (const visit of visits) {
    // A step per page: the report shows which page took the time, or stopped the test.
    await test.step(`${persona} ${visit.path}${visit.axe ? " (axe)" : ""}`, async () => {
      route = visit.path;
      const path = route.replace(":request", subjects!.request).replace(":environment", subjects!.environment).replace(":team", team);
      // The axe visit loads at desktop width (the whole navigation shows), then narrows to a phone in
      // place: the layout reflows from the same CSS. The other visits load at phone width.
      await page.setViewportSize(visit.axe ? desktop : phone);
      const response = await page.goto(path);
      const status = response?.status() ?? 0;
      if (status >= 400) findings.push(`${persona} ${route}: answers ${status}`);
      await settled(page);
      if (visit.axe) {
        for (const violation of await seriousViolations(page)) findings.push(`${persona} ${route} at 1280 px: ${violation}`);
        await page.setViewportSize(phone);
        await settled(page);
      }
      const { scroll, client, culprits } = await overflow(page);
      if (scroll > client) findings.push(`${persona} ${route} at 390 px is ${scroll} px wide (${culprits.join(", ")})`);
      // axe at phone width on the home page too: its menu only exists there (layout rules change
      // with the width, content rules do not).
      if (visit.axe && route === "/")
        for (const violation of await seriousViolations(page)) findings.push(`${persona} ${route} at 390 px: ${violation}`);
    });
  }
  await context.close();
  return findings;
}

/**
 * A persona's pages in tests of similar cost (an axe visit costs about three plain ones), so the
 * two workers stay busy to the end instead of one finishing a long persona alone.
 */
function chunks(visits: Visit[], budget = 8): Visit[][] {
  const out: Visit[][] = [];
  let current: Visit[] = [];
  let weight = 0;
  for (const visit of visits) {
    const cost = visit.axe ? 3 : 1;
    if (current.length > 0 && weight + cost > budget) {
      out.push(current);
      current = [];
      weight = 0;
    }
    current.push(visit);
    weight += cost;
  }
  if (current.length > 0) out.push(current);
  return out;
}

for (const persona of Object.keys(personas) as Persona[]) {
  const parts = chunks(visitsFor(persona));
  parts.forEach((visits, index) => {
    const axed = visits.filter((v) => v.axe).length;
    test(`pages of the ${persona} (${index + 1}/${parts.length}, ${axed} with axe): ${visits.map((v) => v.path).join(", ")}`, async ({ browser }) => {
      const findings = await checkPages(browser, persona, visits);
      expect(findings, findings.join("\n")).toEqual([]);
    });
  });
}
