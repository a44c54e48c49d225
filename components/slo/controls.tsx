"use client";

import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useMemo, useState } from "react";
import { Field, Select } from "~/components/ui/form";
import { parseSloQuery, rangeLabels, rangePresets, sloQueryString, type RangePreset, type SloQuery } from "./query";
import type { SloTeamOption } from "./types";

const tabs = [
  { href: "/slo", label: "Executive" },
  { href: "/slo/oncall", label: "On-call" },
  { href: "/slo/debug", label: "Debug" },
];

/** The URL's SLO query and a stable `from` for it (recomputed when the range or a refresh asks). */
export function useSloQuery(defaults: { range: RangePreset; team: string }) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const query = useMemo(() => parseSloQuery(params, defaults), [params, defaults]);
  const [anchor] = useState(() => Date.now());
  const from = useMemo(() => new Date(anchor - rangePresets[query.range]).toISOString(), [anchor, query.range]);
  const update = (change: Partial<SloQuery>) => router.replace(`${pathname}${sloQueryString({ ...query, ...change })}`, { scroll: false });
  return { query, from, update };
}

export function SloTabs({ query }: { query: SloQuery }) {
  const pathname = usePathname();
  const carry = sloQueryString({ range: query.range, team: query.team });
  return (
    <nav aria-label="SLO dashboards" className="mb-4 flex gap-1 border-b border-slate-200">
      {tabs.map((t) => (
        <Link
          key={t.href}
          href={`${t.href}${carry}`}
          aria-current={pathname === t.href ? "page" : undefined}
          className={`-mb-px border-b-2 px-3 py-2 text-sm font-medium ${pathname === t.href ? "border-brand-600 text-brand-700" : "border-transparent text-slate-600 hover:text-slate-900"}`}
        >
          {t.label}
        </Link>
      ))}
    </nav>
  );
}

export function SloControls({
  query,
  update,
  teams,
  allowAll,
  showRange = true,
}: {
  query: SloQuery;
  update: (c: Partial<SloQuery>) => void;
  teams: SloTeamOption[];
  allowAll: boolean;
  showRange?: boolean;
}) {
  return (
    <div className="mb-4 flex flex-wrap items-end gap-3">
      {showRange && (
        <div className="w-48">
          <Field label="Time range">
            {({ id }) => (
              <Select id={id} value={query.range} onChange={(e) => update({ range: e.target.value as RangePreset })}>
                {(Object.keys(rangeLabels) as RangePreset[]).map((r) => (
                  <option key={r} value={r}>
                    {rangeLabels[r]}
                  </option>
                ))}
              </Select>
            )}
          </Field>
        </div>
      )}
      <div className="w-56">
        <Field label="Team">
          {({ id }) => (
            <Select id={id} value={query.team} onChange={(e) => update({ team: e.target.value })}>
              <option value="all">{allowAll ? "All teams" : "All my teams"}</option>
              {teams.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </Select>
          )}
        </Field>
      </div>
    </div>
  );
}
