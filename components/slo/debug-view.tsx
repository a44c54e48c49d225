"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useTRPC } from "~/components/trpc/client";
import { Field, Select, TextInput } from "~/components/ui/form";
import { Card, ErrorNotice, Skeleton } from "~/components/ui/page";
import { SloControls, SloTabs, useSloQuery } from "./controls";
import { causeLabels, runsHref, secondsText, type RangePreset } from "./query";
import { RunTable } from "./run-table";
import type { SloTeamOption } from "./types";

const defaults = { range: "24h" as RangePreset, team: "all" };

export function DebugView({ teams, allowAll, engines }: { teams: SloTeamOption[]; allowAll: boolean; engines: string[] }) {
  const trpc = useTRPC();
  const { query, from, update } = useSloQuery(defaults);
  const [template, setTemplate] = useState(query.template);
  const [synced, setSynced] = useState(query.template);
  // A URL change from elsewhere (back, a link) resets the box.
  if (synced !== query.template) {
    setSynced(query.template);
    setTemplate(query.template);
  }
  const data = useQuery({
    ...trpc.slo.debug.queryOptions({
      teamId: query.team,
      from,
      template: query.template || undefined,
      engine: query.engine || undefined,
      tier: (query.tier || undefined) as "dev" | "staging" | "prod" | undefined,
    }),
    placeholderData: keepPreviousData,
  });
  const d = data.data;
  return (
    <>
      <SloTabs query={query} />
      <SloControls query={query} update={update} teams={teams} allowAll={allowAll} />
      <form
        className="mb-4 flex flex-wrap items-end gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          update({ template: template.trim() });
        }}
      >
        <div className="w-56">
          <Field label="Template (name)">
            {({ id }) => (
              <TextInput
                id={id}
                value={template}
                onChange={(e) => setTemplate(e.target.value)}
                onBlur={() => update({ template: template.trim() })}
              />
            )}
          </Field>
        </div>
        <div className="w-40">
          <Field label="Engine">
            {({ id }) => (
              <Select id={id} value={query.engine} onChange={(e) => update({ engine: e.target.value })}>
                <option value="">Any engine</option>
                {engines.map((e) => (
                  <option key={e} value={e}>
                    {e}
                  </option>
                ))}
              </Select>
            )}
          </Field>
        </div>
        <div className="w-32">
          <Field label="Tier">
            {({ id }) => (
              <Select id={id} value={query.tier} onChange={(e) => update({ tier: e.target.value })}>
                <option value="">Any tier</option>
                <option value="dev">dev</option>
                <option value="staging">staging</option>
                <option value="prod">prod</option>
              </Select>
            )}
          </Field>
        </div>
      </form>
      {data.error ? (
        <ErrorNotice message={data.error.message} />
      ) : !d ? (
        <div aria-busy="true" aria-label="Loading the debug dashboard">
          <Skeleton className="h-40 w-full" />
        </div>
      ) : (
        <div className="space-y-6">
          <Card title="Summary">
            <dl className="grid gap-3 text-sm sm:grid-cols-4">
              <div>
                <dt className="text-slate-500">Finished runs</dt>
                <dd className="text-xl font-semibold">
                  <Link className="text-brand-700 hover:underline" href={runsHref(query)}>
                    {d.runs}
                  </Link>
                </dd>
              </div>
              <div>
                <dt className="text-slate-500">Duration p50 / p95</dt>
                <dd className="text-xl font-semibold">
                  {secondsText(d.duration.p50)} / {secondsText(d.duration.p95)}
                </dd>
              </div>
              <div>
                <dt className="text-slate-500">Retries</dt>
                <dd className="text-xl font-semibold">{d.retries}</dd>
              </div>
              <div>
                <dt className="text-slate-500">Rate-limit answers</dt>
                <dd className="text-xl font-semibold">{d.rateLimitResponses}</dd>
              </div>
            </dl>
          </Card>
          <Card title="Error causes">
            {d.errors.failed === 0 ? (
              <p className="text-sm text-slate-600">No failures in this range.</p>
            ) : (
              <ul className="text-sm">
                {Object.entries(d.errors.byCause)
                  .filter(([, n]) => n > 0)
                  .map(([cause, n]) => (
                    <li key={cause}>
                      <Link className="text-brand-700 hover:underline" href={runsHref(query, { status: "failed", cause })}>
                        {causeLabels[cause]}: {n} of {d.errors.finished} finished runs
                      </Link>
                    </li>
                  ))}
              </ul>
            )}
          </Card>
          <Card title="Failed runs">
            <RunTable runs={d.failed} caption="Failed runs" empty="No failed run in this range." />
          </Card>
          <Card title="Slowest runs">
            <RunTable runs={d.slowest} caption="Slowest runs" empty="No run in this range." />
          </Card>
        </div>
      )}
    </>
  );
}
