import Link from "next/link";
import type { ReactNode } from "react";
import { formatCentsExact } from "~/components/format/money";
import { Card } from "~/components/ui/page";
import { causeLabels, percentText, runsHref, secondsText, type SloQuery } from "./query";
import type { Executive } from "./types";

type Slis = Executive["slis"];

function Tile({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <div className="rounded-md border border-slate-200 p-3">
      <p className="text-xs font-semibold uppercase text-slate-500">
        {id} · {title}
      </p>
      <div className="mt-1 space-y-0.5 text-sm">{children}</div>
    </div>
  );
}

/** The ten SLIs of the range; each figure links to the runs behind it. */
export function SliGrid({ slis, query }: { slis: Slis; query: SloQuery }) {
  const q = query;
  const drift = slis.m4;
  return (
    <Card title="The ten provisioning SLIs">
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-5">
        <Tile id="M1" title="Success rate">
          <p>
            runs{" "}
            <Link className="font-semibold text-brand-700 underline" href={runsHref(q)}>
              {percentText(slis.m1.runs.ratio)}
            </Link>{" "}
            (
            <Link href={runsHref(q, { status: "failed" })} className="underline">
              {slis.m1.runs.failed} failed
            </Link>
            )
          </p>
          <p>
            requests {percentText(slis.m1.requests.ratio)} ({slis.m1.requests.failed} failed)
          </p>
        </Tile>
        <Tile id="M2" title="Time to provision">
          <p>
            mean {secondsText(slis.m2.total.mean)}, p50 {secondsText(slis.m2.total.p50)}
          </p>
          <p>
            p95{" "}
            <Link className="font-semibold text-brand-700 underline" href={runsHref(q, { order: "slowest" })}>
              {secondsText(slis.m2.total.p95)}
            </Link>{" "}
            ({slis.m2.total.count} ready)
          </p>
        </Tile>
        <Tile id="M3" title="Partial applies">
          <p>
            <Link className="font-semibold text-brand-700 underline" href={runsHref(q, { status: "failed" })}>
              {slis.m3.partial}
            </Link>{" "}
            of {slis.m3.failedApplies} failed applies left resources
          </p>
        </Tile>
        <Tile id="M4" title="Drift occurrences">
          {drift.measured ? <p>{drift.occurrences}</p> : <p className="text-slate-600">Not measured yet: {drift.why}</p>}
        </Tile>
        <Tile id="M5" title="Errors by cause">
          {slis.m5.failed === 0 ? (
            <p>no failures</p>
          ) : (
            <ul>
              {Object.entries(slis.m5.byCause)
                .filter(([, n]) => n > 0)
                .map(([cause, n]) => (
                  <li key={cause}>
                    <Link className="text-brand-700 underline" href={runsHref(q, { status: "failed", cause })}>
                      {causeLabels[cause]}: {n}
                    </Link>
                  </li>
                ))}
            </ul>
          )}
        </Tile>
        <Tile id="M6" title="Quota and budget blocks">
          <p>
            quota: {slis.m6.denied.quota.preview} previews, {slis.m6.denied.quota.submit} submits
          </p>
          <p>
            budget: {slis.m6.denied.budget.preview} previews, {slis.m6.denied.budget.submit} submits
          </p>
          <p>
            runs stopped by quota:{" "}
            <Link className="text-brand-700 underline" href={runsHref(q, { status: "failed", cause: "quota" })}>
              {slis.m6.runQuotaFailures}
            </Link>
          </p>
        </Tile>
        <Tile id="M7" title="Time to recover">
          <p>
            mean {secondsText(slis.m7.mean)}, p95 {secondsText(slis.m7.p95)}
          </p>
          <p>
            <Link className="text-brand-700 underline" href={runsHref(q, { status: "failed" })}>
              {slis.m7.unrecovered} of {slis.m7.failures} not recovered
            </Link>
          </p>
        </Tile>
        <Tile id="M8" title="Cost per environment">
          {slis.m8.length === 0 ? (
            <p>no cost in range</p>
          ) : (
            slis.m8.slice(0, 3).map((c) => (
              <p key={`${c.template}/${c.tier}`}>
                {c.template} ({c.tier}): {formatCentsExact(c.perEnvironmentCents)}
              </p>
            ))
          )}
        </Tile>
        <Tile id="M9" title="Unauthorized change rate">
          {slis.m9.measured ? <p>{percentText(slis.m9.unauthorizedRate)}</p> : <p className="text-slate-600">Not measured yet: {slis.m9.why}</p>}
        </Tile>
        <Tile id="M10" title="Pipeline latency (mean / p95)">
          <p>
            validation {secondsText(slis.m10.validation.mean)} / {secondsText(slis.m10.validation.p95)}
          </p>
          <p>
            approval {secondsText(slis.m10.approval_wait.mean)} / {secondsText(slis.m10.approval_wait.p95)}
          </p>
          <p>
            queue {secondsText(slis.m10.queue_wait.mean)} / {secondsText(slis.m10.queue_wait.p95)}
          </p>
          <p>
            apply {secondsText(slis.m10.apply.mean)} / {secondsText(slis.m10.apply.p95)}
          </p>
        </Tile>
      </div>
    </Card>
  );
}
