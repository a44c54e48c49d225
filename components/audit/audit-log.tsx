"use client";

import { useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { Fragment, useState } from "react";
import { plural } from "~/components/format/plural";
import { formatDateTime } from "~/components/format/time";
import { useTRPC } from "~/components/trpc/client";
import { Button } from "~/components/ui/button";
import { Badge, EmptyState, ErrorNotice } from "~/components/ui/page";
import { RelativeTime } from "~/components/ui/relative-time";
import { auditFilterQueryString, type AuditFilter } from "~/server/schemas/audit";
import type { AuditEventRow } from "~/server/services/audit";
import { actionTone, diffChange, subjectHref, type ChangeRow } from "./format";

/** One event as the API sends it (the service's row type: one definition for both sides). */
export type AuditEvent = AuditEventRow;

const pageSize = 50;

/**
 * The audit events of one filter, newest first: the first page comes from the server, "Load
 * more" fetches older ones (keyset cursor: the last id shown). Each row with a change or a
 * correlation id opens to show them.
 */
export function AuditLog({
  filter,
  filtered,
  initial,
  now,
  isAdmin,
}: {
  filter: AuditFilter;
  filtered: boolean;
  initial: { events: AuditEvent[]; nextBefore: number | null };
  now: Date;
  isAdmin: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [events, setEvents] = useState(initial.events);
  const [nextBefore, setNextBefore] = useState(initial.nextBefore);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<ReadonlySet<number>>(new Set());

  const loadMore = async () => {
    if (nextBefore === null) return;
    setLoading(true);
    setError(null);
    try {
      const page = await queryClient.fetchQuery(trpc.audit.list.queryOptions({ ...filter, before: nextBefore, limit: pageSize }));
      setEvents((shown) => [...shown, ...page.events]);
      setNextBefore(page.nextBefore);
    } catch (e) {
      setError(e instanceof Error ? e.message : "The next events could not be loaded.");
    } finally {
      setLoading(false);
    }
  };

  const toggle = (id: number) =>
    setOpen((current) => {
      const next = new Set(current);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  if (events.length === 0) {
    return filtered ? (
      <EmptyState
        title="No events match these filters"
        action={
          <Link href="/audit" className="text-sm font-medium text-brand-700 hover:underline">
            Clear filters
          </Link>
        }
      >
        Try a wider date range, an action prefix such as <code className="font-mono">team.</code>, or fewer filters.
      </EmptyState>
    ) : (
      <EmptyState title="No events yet">Every change to teams, templates, requests and environments is recorded here as it happens.</EmptyState>
    );
  }

  return (
    <div className="space-y-4">
      <div
        tabIndex={0}
        role="region"
        aria-label="Audit events table"
        className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm"
      >
        <table className="w-full text-left text-sm" aria-label="Audit events">
          <thead className="border-b border-slate-200 bg-slate-50 text-xs uppercase text-slate-500">
            <tr>
              <th scope="col" className="px-4 py-2.5 font-medium">
                When
              </th>
              <th scope="col" className="px-4 py-2.5 font-medium">
                Who
              </th>
              <th scope="col" className="px-4 py-2.5 font-medium">
                Action
              </th>
              <th scope="col" className="px-4 py-2.5 font-medium">
                Subject
              </th>
              <th scope="col" className="px-4 py-2.5 font-medium">
                Team
              </th>
              <th scope="col" className="px-4 py-2.5 font-medium">
                <span className="sr-only">Details</span>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {events.map((e) => {
              const hasDetails = e.before != null || e.after != null || e.correlationId !== null;
              const expanded = open.has(e.id);
              const detailsId = `audit-event-${e.id}`;
              const href = subjectHref(e, { isAdmin });
              return (
                <Fragment key={e.id}>
                  <tr className="align-top">
                    <td className="whitespace-nowrap px-4 py-2.5">
                      <RelativeTime at={e.at} now={now} className="block text-slate-800" />
                      <span className="block text-xs tabular-nums text-slate-500">{formatDateTime(e.at, { seconds: true })}</span>
                    </td>
                    <td className="px-4 py-2.5">
                      {e.actorId === null ? (
                        <span className="italic text-slate-600">{e.actorLabel === "system" ? "System" : e.actorLabel}</span>
                      ) : (
                        <>
                          <span className="block font-medium text-slate-800">{e.actorName ?? "Unknown user"}</span>
                          <span className="block text-xs text-slate-500">{e.actorLabel}</span>
                        </>
                      )}
                    </td>
                    <td className="whitespace-nowrap px-4 py-2.5">
                      <Badge tone={actionTone(e.action)}>
                        <span className="font-mono">{e.action}</span>
                      </Badge>
                    </td>
                    <td className="px-4 py-2.5">
                      <span className="block text-xs text-slate-500">{e.subjectType}</span>
                      {href ? (
                        <Link href={href} className="font-medium text-brand-700 hover:underline">
                          {e.subjectName ?? e.subjectId}
                        </Link>
                      ) : (
                        <span className={e.subjectName ? "text-slate-800" : "break-all font-mono text-xs text-slate-600"}>
                          {e.subjectName ?? e.subjectId}
                        </span>
                      )}
                    </td>
                    <td className="px-4 py-2.5 text-slate-700">{e.teamName ?? <span className="text-slate-400">—</span>}</td>
                    <td className="px-4 py-2.5 text-right">
                      {hasDetails && (
                        <button
                          type="button"
                          aria-expanded={expanded}
                          aria-controls={detailsId}
                          onClick={() => toggle(e.id)}
                          className="whitespace-nowrap rounded px-1.5 py-0.5 text-sm font-medium text-brand-700 hover:bg-brand-50 focus-visible:outline-2 focus-visible:outline-brand-500"
                        >
                          {expanded ? "Hide details" : "Details"}
                          <span className="sr-only"> of event {e.id}</span>
                        </button>
                      )}
                    </td>
                  </tr>
                  {hasDetails && expanded && (
                    <tr id={detailsId} className="bg-slate-50/70">
                      <td colSpan={6} className="px-4 pb-4 pt-2">
                        <EventDetails event={e} />
                      </td>
                    </tr>
                  )}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      </div>
      {error && <ErrorNotice title="More events could not be loaded" message={error} />}
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p role="status" aria-live="polite" className="text-sm text-slate-600">
          {nextBefore === null
            ? `${plural(events.length, "event")}; that is all${filtered ? " for these filters" : ""}.`
            : `Showing the newest ${events.length} events.`}
        </p>
        {nextBefore !== null && (
          <Button variant="secondary" busy={loading} onClick={() => void loadMore()}>
            Load more
          </Button>
        )}
      </div>
    </div>
  );
}

const kindStyle: Record<ChangeRow["kind"], { label: string; row: string }> = {
  changed: { label: "changed", row: "bg-amber-50" },
  added: { label: "added", row: "bg-emerald-50" },
  removed: { label: "removed", row: "bg-red-50" },
  unchanged: { label: "same", row: "text-slate-500" },
};

function EventDetails({ event }: { event: AuditEvent }) {
  const rows = diffChange(event.before, event.after);
  const changed = rows.filter((r) => r.kind !== "unchanged");
  const [showSame, setShowSame] = useState(false);
  const shown = showSame ? rows : changed;
  const unchanged = rows.length - changed.length;
  return (
    <div className="space-y-3 text-sm">
      <dl className="grid gap-x-6 gap-y-1 sm:grid-cols-[auto_minmax(0,1fr)]">
        <dt className="text-slate-500">Event</dt>
        <dd className="font-mono text-xs leading-5">#{event.id}</dd>
        <dt className="text-slate-500">Subject id</dt>
        <dd className="break-all font-mono text-xs leading-5">{event.subjectId}</dd>
        {event.correlationId && (
          <>
            <dt className="text-slate-500">Correlation id</dt>
            <dd className="break-all font-mono text-xs leading-5">
              {event.correlationId}{" "}
              <Link
                href={`/audit${auditFilterQueryString({ correlationId: event.correlationId })}`}
                className="ml-2 font-sans text-sm font-medium text-brand-700 hover:underline"
              >
                All events with this id
              </Link>
            </dd>
          </>
        )}
      </dl>
      {rows.length === 0 ? (
        <p className="text-slate-500">No before or after state was recorded for this event.</p>
      ) : shown.length === 0 ? (
        <p className="text-slate-500">
          No field changed.{" "}
          <button
            type="button"
            onClick={() => setShowSame(true)}
            className="rounded font-medium text-brand-700 hover:underline focus-visible:outline-2 focus-visible:outline-brand-500"
          >
            Show all {rows.length} fields
          </button>
        </p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-left text-xs" aria-label={`Changes in event ${event.id}`}>
            <thead className="text-slate-500">
              <tr>
                <th scope="col" className="py-1 pr-4 font-medium">
                  Field
                </th>
                <th scope="col" className="py-1 pr-4 font-medium">
                  Before
                </th>
                <th scope="col" className="py-1 pr-4 font-medium">
                  After
                </th>
                <th scope="col" className="py-1 font-medium">
                  <span className="sr-only">Change</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <tr key={r.field} className={kindStyle[r.kind].row}>
                  <th scope="row" className="py-1 pl-1 pr-4 font-mono font-normal">
                    {r.field}
                  </th>
                  <td className="max-w-md break-all py-1 pr-4 font-mono">{r.before ?? <span className="text-slate-400">—</span>}</td>
                  <td className="max-w-md break-all py-1 pr-4 font-mono">{r.after ?? <span className="text-slate-400">—</span>}</td>
                  <td className="py-1 pr-1 text-slate-500">{kindStyle[r.kind].label}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {unchanged > 0 && (
            <button
              type="button"
              onClick={() => setShowSame((s) => !s)}
              className="mt-2 rounded text-xs font-medium text-brand-700 hover:underline focus-visible:outline-2 focus-visible:outline-brand-500"
            >
              {showSame ? "Hide unchanged fields" : `Show ${plural(unchanged, "unchanged field")}`}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
