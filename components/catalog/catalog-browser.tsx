"use client";

import { usePathname, useSearchParams } from "next/navigation";
import { useEffect, useMemo, useRef, useState } from "react";
import { plural, pluralNoun } from "~/components/format/plural";
import { Button } from "~/components/ui/button";
import { Field, Select, TextInput } from "~/components/ui/form";
import { EmptyState } from "~/components/ui/page";
import { categories, tiers } from "~/server/templates/format";
import {
  applyCatalogQuery,
  catalogQueryString,
  isFiltered,
  parseCatalogQuery,
  sortOptions,
  type CatalogCard,
  type CatalogQuery,
  type SortKey,
} from "./catalog-query";
import { categoryLabel } from "./format";
import { TemplateCard } from "./template-card";

const searchDelayMs = 250;

/**
 * Search, filters and sort over the whole catalog, in the browser. The state lives in the URL
 * (shareable, and the back button steps through it); history entries are written with the
 * native history API, which Next's router follows without asking the server again.
 */
export function CatalogBrowser({ cards, emptyHint }: { cards: CatalogCard[]; emptyHint: string }) {
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const urlQuery = useMemo(() => parseCatalogQuery(searchParams), [searchParams]);
  const searchRef = useRef<HTMLInputElement>(null);

  // The search box answers at once; the URL follows after a short pause in typing.
  const [search, setSearch] = useState(urlQuery.q);
  // The URL's search as last seen, and the one this page last wrote (until the router reports it back:
  // the router answers a write a render or more later, and that echo must not reset the box).
  const [seenQ, setSeenQ] = useState(urlQuery.q);
  const [writtenQ, setWrittenQ] = useState<string | null>(null);
  if (urlQuery.q !== seenQ) {
    setSeenQ(urlQuery.q);
    if (urlQuery.q === writtenQ) setWrittenQ(null);
    // The URL changed under us (back/forward, a shared link): the box follows it.
    else setSearch(urlQuery.q);
  }

  const navigate = (next: CatalogQuery, mode: "push" | "replace") => {
    setWrittenQ(next.q);
    writeUrl(`${pathname}${catalogQueryString(next)}`, mode);
  };

  useEffect(() => {
    if (search === urlQuery.q) return;
    // The first keystroke of a search gets its own history entry; the rest refine it.
    const timer = setTimeout(() => {
      setWrittenQ(search);
      writeUrl(`${pathname}${catalogQueryString({ ...urlQuery, q: search })}`, urlQuery.q === "" ? "push" : "replace");
    }, searchDelayMs);
    return () => clearTimeout(timer);
  }, [search, urlQuery, pathname]);

  const query: CatalogQuery = { ...urlQuery, q: search };
  const shown = applyCatalogQuery(cards, query);
  const filtered = isFiltered(query);
  const categoryOptions = categories.filter((c) => c === urlQuery.category || cards.some((card) => card.category === c));

  const update = (change: Partial<CatalogQuery>) => {
    // A search still waiting for its pause lands in the current entry first, so Back returns to it.
    if (search !== urlQuery.q) writeUrl(`${pathname}${catalogQueryString(query)}`, "replace");
    navigate({ ...query, ...change }, "push");
  };
  const clearFilters = () => {
    setSearch("");
    navigate({ q: "", category: null, tier: null, sort: urlQuery.sort }, "push");
    searchRef.current?.focus();
  };

  if (cards.length === 0) {
    return <EmptyState title="No templates are published yet">{emptyHint}</EmptyState>;
  }

  return (
    <div className="space-y-5">
      <form
        role="search"
        aria-label="Filter templates"
        className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm sm:grid-cols-2 lg:grid-cols-[minmax(0,1fr)_11rem_9rem_11rem]"
        onSubmit={(e) => {
          e.preventDefault();
          if (search !== urlQuery.q) navigate(query, urlQuery.q === "" ? "push" : "replace");
        }}
      >
        <div className="sm:col-span-2 lg:col-span-1">
          <Field label="Search">
            {({ id }) => (
              <TextInput
                id={id}
                ref={searchRef}
                type="search"
                value={search}
                placeholder="Name, description, tag or owner"
                autoComplete="off"
                spellCheck={false}
                maxLength={200}
                onChange={(e) => setSearch(e.target.value)}
              />
            )}
          </Field>
        </div>
        <Field label="Category">
          {({ id }) => (
            <Select id={id} value={urlQuery.category ?? ""} onChange={(e) => update({ category: e.target.value || null })}>
              <option value="">All categories</option>
              {categoryOptions.map((c) => (
                <option key={c} value={c}>
                  {categoryLabel(c)}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label="Tier">
          {({ id }) => (
            <Select id={id} value={urlQuery.tier ?? ""} onChange={(e) => update({ tier: (e.target.value || null) as CatalogQuery["tier"] })}>
              <option value="">Any tier</option>
              {tiers.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <div className="sm:col-span-2 lg:col-span-1">
          <Field label="Sort by">
            {({ id }) => (
              <Select id={id} value={urlQuery.sort} onChange={(e) => update({ sort: e.target.value as SortKey })}>
                {sortOptions.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </Select>
            )}
          </Field>
        </div>
      </form>

      <div className="flex min-h-9 flex-wrap items-center justify-between gap-2">
        <p role="status" aria-live="polite" aria-atomic="true" className="text-sm text-slate-600">
          {filtered ? (
            <>
              Showing <strong className="font-semibold text-slate-900">{shown.length}</strong> of {plural(cards.length, "template")}
            </>
          ) : (
            <>
              <strong className="font-semibold text-slate-900">{cards.length}</strong> {pluralNoun(cards.length, "template")}
            </>
          )}
        </p>
        {filtered && shown.length > 0 && (
          <Button variant="ghost" onClick={clearFilters}>
            Clear filters
          </Button>
        )}
      </div>

      {shown.length === 0 ? (
        <EmptyState
          title="No templates match"
          action={
            <Button variant="secondary" onClick={clearFilters}>
              Clear filters
            </Button>
          }
        >
          <p>Nothing in the catalog matches {describeFilters(query)}.</p>
          <p className="mt-1">Try fewer or shorter words, or another category or tier.</p>
        </EmptyState>
      ) : (
        <ul aria-label="Templates" className="grid gap-4 sm:grid-cols-2 xl:grid-cols-3">
          {shown.map((card) => (
            <TemplateCard key={card.name} card={card} />
          ))}
        </ul>
      )}
    </div>
  );
}

function writeUrl(url: string, mode: "push" | "replace") {
  if (mode === "push") window.history.pushState(null, "", url);
  else window.history.replaceState(null, "", url);
}

function describeFilters(query: CatalogQuery): string {
  const filters = [query.category && `category ${categoryLabel(query.category)}`, query.tier && `tier ${query.tier}`].filter(Boolean).join(" and ");
  const q = query.q.trim();
  if (q && filters) return `“${q}” with ${filters}`;
  return q ? `“${q}”` : filters || "these filters";
}
