import { expect, test, type Locator, type Page } from "@playwright/test";
import { signInAs } from "./support/session";

// Read-only journeys: nothing here changes the shared database, so they run beside any spec.

function catalog(page: Page) {
  return {
    search: page.getByRole("searchbox", { name: "Search" }),
    category: page.getByRole("combobox", { name: "Category" }),
    tier: page.getByRole("combobox", { name: "Tier" }),
    sort: page.getByRole("combobox", { name: "Sort by" }),
    count: page.getByRole("status").filter({ hasText: /templates?$/ }),
    cards: page.getByRole("list", { name: "Templates" }).getByRole("article"),
  };
}

/** "$66 – $4,381 / month" → [6600, 438100]; "$12 / month" → [1200, 1200]. */
async function costRanges(cards: Locator): Promise<[number, number][]> {
  const texts = await cards.getByText(/\/ month$/).allInnerTexts();
  return texts.map((text) => {
    const figures = [...text.matchAll(/\$([\d,]+(?:\.\d+)?)/g)].map((m) => Math.round(Number(m[1]!.replaceAll(",", "")) * 100));
    return [figures[0] ?? 0, figures.at(-1) ?? 0];
  });
}

/** The catalog size the page shows: "10 templates" or "Showing 3 of 10 templates". */
async function shownTotal(count: Locator): Promise<number> {
  await expect(count).toHaveText(/^(Showing \d+ of )?\d+ templates?$/);
  return Number(/(\d+) templates?$/.exec(await count.innerText())![1]);
}

test("a developer searches, filters and sorts the catalog, and the URL keeps the state", async ({ page }) => {
  await signInAs(page, "developer", "/catalog");
  const c = catalog(page);
  let total = await shownTotal(c.count);
  expect(total).toBeGreaterThan(1);
  await expect(c.cards).toHaveCount(total);

  // Search: case-insensitive, over title, description, tags and owner.
  await c.search.fill("POSTGRES");
  await expect(c.cards.filter({ has: page.getByRole("link", { name: "PostgreSQL database for development" }) })).toHaveCount(1);
  await expect(c.cards.filter({ has: page.getByRole("link", { name: "Web service", exact: true }) })).toHaveCount(0);
  const matching = await c.cards.count();
  await expect(c.count).toHaveText(`Showing ${matching} of ${total} templates`);
  for (const text of await c.cards.allTextContents()) expect(text.toLowerCase()).toContain("postgres");
  await expect(page).toHaveURL(/[?&]q=POSTGRES/);

  // A shared link opens the same view.
  await page.goto("/catalog?q=postgres");
  await expect(c.search).toHaveValue("postgres");
  await expect(c.cards).toHaveCount(matching);
  // A new page load reads the catalog again; the curation spec may have published meanwhile.
  total = await shownTotal(c.count);

  // Category: fewer cards, all of that category; the back button undoes it.
  await c.search.fill("");
  await expect(c.cards).toHaveCount(total);
  await expect(page).toHaveURL(/\/catalog$/);
  await c.category.selectOption({ label: "Database" });
  await expect(page).toHaveURL(/[?&]category=database/);
  // The URL changes before the cards are filtered: count them once the list says it is filtered.
  await expect(c.count).toHaveText(new RegExp(`^Showing \\d+ of ${total} templates$`));
  const databases = await c.cards.count();
  expect(databases).toBeGreaterThan(0);
  expect(databases).toBeLessThan(total);
  await expect(c.count).toHaveText(`Showing ${databases} of ${total} templates`);
  for (const text of await c.cards.allTextContents()) expect(text).toContain("· Database");
  await page.goBack();
  await expect(c.category).toHaveValue("");
  await expect(c.cards).toHaveCount(total);

  // Tier: only templates offered in prod.
  await c.tier.selectOption("prod");
  await expect(page).toHaveURL(/[?&]tier=prod/);
  await expect(c.count).toHaveText(/^Showing \d+ of \d+ templates$/);
  const prodCount = await c.cards.count();
  expect(prodCount).toBeLessThan(total);
  for (const card of await c.cards.all()) await expect(card.getByText("prod", { exact: true })).toBeVisible();

  // Nothing matches: an empty state with a way out.
  await c.search.fill("no template is called this");
  await expect(page.getByRole("heading", { name: "No templates match" })).toBeVisible();
  await expect(c.count).toHaveText(`Showing 0 of ${total} templates`);
  await page.getByRole("button", { name: "Clear filters" }).click();
  await expect(c.count).toHaveText(`${total} templates`);
  await expect(c.search).toHaveValue("");
  await expect(c.tier).toHaveValue("");
  await expect(c.search).toBeFocused();
  await expect(page).toHaveURL(/\/catalog$/);

  // Sort by cost, both ways.
  await c.sort.selectOption({ label: "Cost: low to high" });
  await expect(page).toHaveURL(/[?&]sort=cost-asc/);
  // The URL changes before the cards are re-ordered: wait until they are (a state, not a duration).
  await expect(async () => {
    const ascending = (await costRanges(c.cards)).map(([min]) => min);
    expect(ascending).toHaveLength(total);
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
  }).toPass({ timeout: 20_000 });
  await c.sort.selectOption({ label: "Cost: high to low" });
  await expect(page).toHaveURL(/[?&]sort=cost-desc/);
  await expect(async () => {
    const descending = (await costRanges(c.cards)).map(([, max]) => max);
    expect(descending).toEqual([...descending].sort((a, b) => b - a));
  }).toPass({ timeout: 20_000 });
  await page.reload();
  await expect(c.sort).toHaveValue("cost-desc");
});

test("a developer opens a template and reads its parameters, resources with cost, policy, outputs and history", async ({ page }) => {
  await signInAs(page, "developer", "/catalog");
  await page.getByRole("link", { name: "PostgreSQL database for development" }).click();
  await expect(page).toHaveURL(/\/catalog\/postgres-dev$/);
  await expect(page.getByRole("heading", { level: 1, name: "PostgreSQL database for development" })).toBeVisible();

  const cost = page.getByRole("region", { name: "Monthly cost" });
  await expect(cost.getByText(/^At the default values/)).toBeVisible();

  const parameters = page.getByRole("table", { name: "Parameters" });
  await expect(parameters.getByRole("rowheader", { name: /Database name/ })).toBeVisible();
  await expect(parameters.getByRole("row", { name: /Size class/ })).toContainText("micro");

  const resources = page.getByRole("table", { name: "Resources at default values" });
  await expect(resources.getByRole("row", { name: /Owning login role/ })).toBeVisible();
  const total = resources.getByRole("row", { name: /Total at default values/ });
  await expect(total).toContainText(/\$[\d,.]+ \/ month/);
  // The total at defaults is the figure the cost summary shows for the defaults.
  const totalFigure = /\$[\d,.]+/.exec(await total.innerText())![0];
  await expect(cost.getByText(/^At the default values/).locator("..")).toContainText(totalFigure);
  await expect(page.getByRole("region", { name: "Resources" }).getByRole("link", { name: /list prices/i })).toHaveAttribute("href", /^https:\/\//);

  const policy = page.getByRole("table", { name: "Policy per tier" });
  await expect(policy.getByRole("columnheader", { name: "dev" })).toBeVisible();
  await expect(policy.getByRole("row", { name: /Approval/ })).toContainText("Auto-approved");
  await expect(page.getByRole("list", { name: "Required tags" }).getByRole("listitem")).not.toHaveCount(0);

  const outputs = page.getByRole("table", { name: "Outputs" });
  await expect(outputs.getByRole("row", { name: /connection_string/ })).toContainText("secret");
  await expect(outputs.getByRole("row", { name: /^host/ })).not.toContainText("secret");

  const history = page.getByRole("table", { name: "Published versions" });
  await expect(history.getByRole("row", { name: /\d+\.\d+\.\d+/ }).first()).toContainText(/template sync|Admin/);
  await expect(page.getByRole("heading", { name: "Compare versions" })).toBeVisible();

  await expect(page.getByRole("link", { name: "Request this environment" })).toHaveAttribute("href", "/requests/new?template=postgres-dev");
});

test("an unknown template answers 404 with a way back to the catalog", async ({ page }) => {
  await signInAs(page, "developer", "/catalog");
  for (const path of ["/catalog/no-such-template", "/catalog/Not_A_Template_Name"]) {
    const response = await page.goto(path);
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "No such template" })).toBeVisible();
  }
  await page.getByRole("link", { name: "Browse the catalog" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Catalog" })).toBeVisible();
});
