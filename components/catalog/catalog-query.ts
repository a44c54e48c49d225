/**
 * The catalog's search, filters and sort as a URL query (?q=&category=&tier=&sort=), and the
 * pure function that applies them to the list. Unknown values in the URL are ignored.
 */
import { categories, tiers, type Tier } from "~/server/templates/format";

export type CatalogCard = {
  name: string;
  title: string;
  description: string;
  category: string;
  owner: string;
  icon: string | null;
  tags: string[];
  tiers: Tier[];
  engine: string;
  /** The engine as people call it (from the server's engine registry). */
  engineTitle: string;
  version: string;
  publishedAt: Date | null;
  resourceCount: number;
  minMonthlyCents: number;
  maxMonthlyCents: number;
  /** Why this install cannot provision it (no terraform binary), or null. */
  unavailableReason?: string | null;
};

export const sortOptions = [
  { value: "name", label: "Name (A–Z)" },
  { value: "cost-asc", label: "Cost: low to high" },
  { value: "cost-desc", label: "Cost: high to low" },
  { value: "updated", label: "Recently updated" },
] as const;

export type SortKey = (typeof sortOptions)[number]["value"];

export type CatalogQuery = { q: string; category: string | null; tier: Tier | null; sort: SortKey };

export const defaultQuery: CatalogQuery = { q: "", category: null, tier: null, sort: "name" };

type ParamsLike = { get(name: string): string | null };

export function parseCatalogQuery(params: ParamsLike): CatalogQuery {
  const category = params.get("category");
  const tier = params.get("tier");
  const sort = params.get("sort");
  return {
    q: (params.get("q") ?? "").slice(0, 200),
    category: category && (categories as readonly string[]).includes(category) ? category : null,
    tier: tier && (tiers as readonly string[]).includes(tier) ? (tier as Tier) : null,
    sort: sortOptions.some((o) => o.value === sort) ? (sort as SortKey) : "name",
  };
}

/** The query string for `query` (defaults left out, so a plain /catalog stays plain). */
export function catalogQueryString(query: CatalogQuery): string {
  const params = new URLSearchParams();
  if (query.q.trim()) params.set("q", query.q);
  if (query.category) params.set("category", query.category);
  if (query.tier) params.set("tier", query.tier);
  if (query.sort !== "name") params.set("sort", query.sort);
  const text = params.toString();
  return text ? `?${text}` : "";
}

export function isFiltered(query: CatalogQuery): boolean {
  return query.q.trim() !== "" || query.category !== null || query.tier !== null;
}

/** Every word of the search must appear in the title, description, tags, owner or name. */
export function matchesSearch(card: CatalogCard, q: string): boolean {
  const words = q.toLocaleLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = [card.title, card.description, card.owner, card.name, ...card.tags].join("\n").toLocaleLowerCase();
  return words.every((word) => haystack.includes(word));
}

const byTitle = (a: CatalogCard, b: CatalogCard) => a.title.localeCompare(b.title, "en", { sensitivity: "base" }) || a.name.localeCompare(b.name);

const comparators: Record<SortKey, (a: CatalogCard, b: CatalogCard) => number> = {
  name: byTitle,
  // Cheapest first by the lowest price one can choose; dearest first by the highest.
  "cost-asc": (a, b) => a.minMonthlyCents - b.minMonthlyCents || a.maxMonthlyCents - b.maxMonthlyCents || byTitle(a, b),
  "cost-desc": (a, b) => b.maxMonthlyCents - a.maxMonthlyCents || b.minMonthlyCents - a.minMonthlyCents || byTitle(a, b),
  updated: (a, b) =>
    (b.publishedAt ? new Date(b.publishedAt).getTime() : 0) - (a.publishedAt ? new Date(a.publishedAt).getTime() : 0) || byTitle(a, b),
};

export function applyCatalogQuery<T extends CatalogCard>(cards: readonly T[], query: CatalogQuery): T[] {
  return cards
    .filter((c) => (query.category ? c.category === query.category : true))
    .filter((c) => (query.tier ? c.tiers.includes(query.tier) : true))
    .filter((c) => matchesSearch(c, query.q))
    .sort(comparators[query.sort]);
}

/** Only what a card shows, so the page does not send the whole entry to the browser. */
export function toCatalogCard(entry: CatalogCard): CatalogCard {
  return {
    name: entry.name,
    title: entry.title,
    description: entry.description,
    category: entry.category,
    owner: entry.owner,
    icon: entry.icon,
    tags: entry.tags,
    tiers: entry.tiers,
    engine: entry.engine,
    engineTitle: entry.engineTitle,
    version: entry.version,
    publishedAt: entry.publishedAt,
    resourceCount: entry.resourceCount,
    minMonthlyCents: entry.minMonthlyCents,
    maxMonthlyCents: entry.maxMonthlyCents,
    unavailableReason: entry.unavailableReason ?? null,
  };
}
