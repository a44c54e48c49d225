"use client";

import { Fragment, useState } from "react";
import { formatMicrosPerHour } from "~/components/format/money";
import { Badge } from "~/components/ui/page";
import { mandatoryTagKeys } from "~/server/templates/format";
import type { EnvironmentResource } from "./types";

const statusTone = { planned: "slate", creating: "brand", ready: "green", deleting: "amber", deleted: "slate", failed: "red" } as const;
const mandatory = new Set<string>(mandatoryTagKeys);

/** The mandatory tags a resource lacks (none, for anything Provisio made). */
export function missingMandatoryTags(tags: Record<string, string>): string[] {
  return mandatoryTagKeys.filter((key) => !tags[key]);
}

function TagList({ resource }: { resource: EnvironmentResource }) {
  const entries = Object.entries(resource.tags).sort(([a], [b]) => {
    const rank = (k: string) => (mandatory.has(k) ? 0 : 1);
    return rank(a) - rank(b) || a.localeCompare(b);
  });
  return (
    <dl
      aria-label={`Tags of ${resource.address}`}
      className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-4 gap-y-1 font-mono text-xs sm:grid-cols-[auto_minmax(0,1fr)_auto_minmax(0,1fr)]"
    >
      {entries.map(([key, value]) => (
        <div key={key} className="contents">
          <dt className="text-slate-500">
            {key}
            {mandatory.has(key) && <span className="sr-only"> (mandatory)</span>}
          </dt>
          <dd className="break-all text-slate-900">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * Every tracked resource: type, size, region, provider id, hourly cost and status, and its tags
 * one click away (the mandatory ones first). A count of mandatory tags on each row says at a
 * glance that every resource carries them all.
 */
export function ResourcesTable({ resources }: { resources: EnvironmentResource[] }) {
  const [open, setOpen] = useState<Record<string, boolean>>({});
  if (resources.length === 0) return <p className="text-sm text-slate-600">No resources yet: they appear here as the apply creates them.</p>;
  return (
    <div className="-mx-5 overflow-x-auto">
      <table aria-label="Resources" className="w-full text-left text-sm">
        <thead className="border-b border-slate-200 text-xs uppercase text-slate-500">
          <tr>
            <th scope="col" className="px-5 py-2 font-medium">
              Resource
            </th>
            <th scope="col" className="hidden px-3 py-2 font-medium md:table-cell">
              Size · region
            </th>
            <th scope="col" className="hidden px-3 py-2 font-medium lg:table-cell">
              Provider id
            </th>
            <th scope="col" className="hidden px-3 py-2 text-right font-medium sm:table-cell">
              Per hour
            </th>
            <th scope="col" className="px-5 py-2 font-medium">
              Status
            </th>
          </tr>
        </thead>
        <tbody>
          {resources.map((r) => {
            const missing = missingMandatoryTags(r.tags);
            const isOpen = open[r.id] ?? false;
            const panelId = `tags-${r.id}`;
            return (
              <Fragment key={r.id}>
                <tr className="border-t border-slate-100 align-top">
                  <th scope="row" className="px-5 py-2.5 font-normal">
                    <span className="block font-medium text-slate-900">{r.title}</span>
                    <span className="mt-0.5 flex flex-wrap items-center gap-x-2 gap-y-0.5 text-xs text-slate-600">
                      <code className="break-all font-mono text-slate-500">{r.address}</code>
                      <span className="rounded bg-slate-100 px-1 py-px font-mono text-slate-700">
                        <span className="sr-only">type </span>
                        {r.type}
                      </span>
                    </span>
                    <span className="mt-0.5 block text-xs text-slate-600 md:hidden">{[r.size, r.region].filter(Boolean).join(" · ")}</span>
                    {r.providerId && <code className="mt-0.5 block break-all font-mono text-xs text-slate-500 lg:hidden">{r.providerId}</code>}
                    <span className="mt-0.5 block text-xs tabular-nums text-slate-600 sm:hidden">{formatMicrosPerHour(r.hourlyMicros)}</span>
                    <span className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-0.5 text-xs">
                      <button
                        type="button"
                        aria-expanded={isOpen}
                        aria-controls={panelId}
                        onClick={() => setOpen((o) => ({ ...o, [r.id]: !isOpen }))}
                        className="rounded font-medium text-brand-700 hover:underline"
                      >
                        {isOpen ? "Hide" : "Show"} {Object.keys(r.tags).length} tags
                        <span className="sr-only"> of {r.address}</span>
                      </button>
                      <span className={`whitespace-nowrap ${missing.length ? "font-medium text-red-700" : "text-emerald-700"}`}>
                        {missing.length ? `missing mandatory: ${missing.join(", ")}` : `✓ all ${mandatoryTagKeys.length} mandatory tags`}
                      </span>
                    </span>
                  </th>
                  <td className="hidden px-3 py-2.5 text-slate-700 md:table-cell">
                    <span className="block">{r.size ?? "–"}</span>
                    <span className="block text-xs text-slate-500">{r.region ?? "global"}</span>
                  </td>
                  <td className="hidden px-3 py-2.5 lg:table-cell">
                    <code className="break-all font-mono text-xs text-slate-700">{r.providerId ?? "–"}</code>
                  </td>
                  <td className="hidden whitespace-nowrap px-3 py-2.5 text-right tabular-nums text-slate-900 sm:table-cell">
                    {formatMicrosPerHour(r.hourlyMicros)}
                  </td>
                  <td className="whitespace-nowrap px-5 py-2.5">
                    <Badge tone={statusTone[r.status]}>{r.status}</Badge>
                  </td>
                </tr>
                <tr id={panelId} hidden={!isOpen} className="bg-slate-50">
                  <td colSpan={5} className="px-5 py-3">
                    <TagList resource={r} />
                  </td>
                </tr>
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
