import { describe, expect, it } from "vitest";
import { applyCatalogQuery, catalogQueryString, defaultQuery, isFiltered, parseCatalogQuery, type CatalogCard } from "./catalog-query";

function card(name: string, overrides: Partial<CatalogCard> = {}): CatalogCard {
  return {
    name,
    title: name,
    description: "A template for tests.",
    category: "compute",
    owner: "Platform team",
    icon: null,
    tags: [],
    tiers: ["dev"],
    engine: "sim",
    engineTitle: "IaaS simulator",
    version: "1.0.0",
    publishedAt: new Date("2026-01-01T00:00:00Z"),
    resourceCount: 1,
    minMonthlyCents: 1000,
    maxMonthlyCents: 1000,
    ...overrides,
  };
}

const cards = [
  card("web-service", {
    title: "Web service",
    category: "web",
    tiers: ["dev", "staging", "prod"],
    minMonthlyCents: 6600,
    maxMonthlyCents: 438100,
    tags: ["http"],
  }),
  card("postgres-dev", {
    title: "PostgreSQL database",
    category: "database",
    owner: "Data platform team",
    minMonthlyCents: 1200,
    maxMonthlyCents: 7000,
    publishedAt: new Date("2026-03-01T00:00:00Z"),
  }),
  card("static-site", {
    title: "Static website",
    category: "web",
    tiers: ["dev", "prod"],
    minMonthlyCents: 40,
    maxMonthlyCents: 87800,
    tags: ["cdn", "spa"],
  }),
];
const names = (list: CatalogCard[]) => list.map((c) => c.name);

describe("catalog query", () => {
  it("reads the URL, ignoring values it does not know", () => {
    expect(parseCatalogQuery(new URLSearchParams("q=pg&category=database&tier=prod&sort=cost-desc"))).toEqual({
      q: "pg",
      category: "database",
      tier: "prod",
      sort: "cost-desc",
    });
    expect(parseCatalogQuery(new URLSearchParams("category=nope&tier=qa&sort=random"))).toEqual(defaultQuery);
  });

  it("writes only what differs from the defaults, and reads back what it wrote", () => {
    expect(catalogQueryString(defaultQuery)).toBe("");
    const query = { q: "web site", category: "web", tier: "dev" as const, sort: "updated" as const };
    expect(parseCatalogQuery(new URLSearchParams(catalogQueryString(query)))).toEqual(query);
    expect(isFiltered({ ...defaultQuery, sort: "cost-asc" })).toBe(false);
    expect(isFiltered({ ...defaultQuery, q: "  " })).toBe(false);
    expect(isFiltered({ ...defaultQuery, tier: "prod" })).toBe(true);
  });

  it("searches title, description, tags and owner, case-insensitively, every word", () => {
    expect(names(applyCatalogQuery(cards, { ...defaultQuery, q: "POSTGRES" }))).toEqual(["postgres-dev"]);
    expect(names(applyCatalogQuery(cards, { ...defaultQuery, q: "cdn" }))).toEqual(["static-site"]);
    expect(names(applyCatalogQuery(cards, { ...defaultQuery, q: "data platform" }))).toEqual(["postgres-dev"]);
    expect(names(applyCatalogQuery(cards, { ...defaultQuery, q: "web nothing" }))).toEqual([]);
  });

  it("filters by category and tier together", () => {
    expect(names(applyCatalogQuery(cards, { ...defaultQuery, category: "web" }))).toEqual(["static-site", "web-service"]);
    expect(names(applyCatalogQuery(cards, { ...defaultQuery, category: "web", tier: "staging" }))).toEqual(["web-service"]);
    expect(names(applyCatalogQuery(cards, { ...defaultQuery, tier: "prod" }))).toEqual(["static-site", "web-service"]);
  });

  it("sorts by name, by the cheapest and dearest choice, and by publication", () => {
    expect(names(applyCatalogQuery(cards, defaultQuery))).toEqual(["postgres-dev", "static-site", "web-service"]);
    expect(names(applyCatalogQuery(cards, { ...defaultQuery, sort: "cost-asc" }))).toEqual(["static-site", "postgres-dev", "web-service"]);
    expect(names(applyCatalogQuery(cards, { ...defaultQuery, sort: "cost-desc" }))).toEqual(["web-service", "static-site", "postgres-dev"]);
    expect(names(applyCatalogQuery(cards, { ...defaultQuery, sort: "updated" }))[0]).toBe("postgres-dev");
  });
});
