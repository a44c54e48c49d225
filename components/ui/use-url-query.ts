"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useMemo, useState } from "react";

const searchDelayMs = 250;

/**
 * A list page's filters kept in the URL (shareable, back-button friendly). `q` is the free-text
 * search: typed into local state and written to the URL a moment after typing stops; every
 * other change goes to the URL at once. A URL change from elsewhere (back, a link) resets the box.
 */
export function useUrlQuery<Q extends { q: string }>(parse: (params: URLSearchParams) => Q, toQueryString: (query: Q) => string) {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  // `parse` may close over props (the viewer's teams): a new function must not re-parse every render.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const query = useMemo(() => parse(searchParams), [searchParams]);
  const [search, setSearch] = useState(query.q);
  const [syncedQ, setSyncedQ] = useState(query.q);
  if (query.q !== syncedQ) {
    setSyncedQ(query.q);
    setSearch(query.q);
  }

  const navigate = (next: Q) => {
    setSyncedQ(next.q);
    router.replace(`${pathname}${toQueryString(next)}`, { scroll: false });
  };
  useEffect(() => {
    if (search === query.q) return;
    const timer = setTimeout(() => {
      setSyncedQ(search);
      router.replace(`${pathname}${toQueryString({ ...query, q: search })}`, { scroll: false });
    }, searchDelayMs);
    return () => clearTimeout(timer);
  }, [search, query, pathname, router, toQueryString]);
  const update = (change: Partial<Q>) => navigate({ ...query, q: search, ...change });
  return { query, search, setSearch, navigate, update };
}
