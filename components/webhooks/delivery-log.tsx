"use client";

import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { formatDateTime, formatRelative } from "~/components/format/time";
import { useTRPC } from "~/components/trpc/client";
import { Button } from "~/components/ui/button";
import { Badge, ErrorNotice, Skeleton } from "~/components/ui/page";
import { eventTypeLabel } from "~/server/schemas/webhooks";

const statusTones = { pending: "amber", succeeded: "green", failed: "red" } as const;
const statusLabels = { pending: "Pending", succeeded: "Delivered", failed: "Failed" } as const;
type Status = keyof typeof statusTones;

/** A webhook's deliveries, newest first: event, status, attempts, the receiver's last answer, redeliver. */
export function DeliveryLog({
  teamId,
  webhookId,
  url,
  canManage,
  active,
}: {
  teamId: string;
  webhookId: string;
  url: string;
  canManage: boolean;
  active: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<Status | "">("");
  const [error, setError] = useState<string | null>(null);
  const log = useInfiniteQuery(
    trpc.webhooks.deliveries.infiniteQueryOptions(
      { teamId, webhookId, limit: 10, status: status || undefined },
      {
        getNextPageParam: (last) => last.nextCursor ?? undefined,
        staleTime: 0,
        // While something waits for a retry, keep the log current.
        refetchInterval: (query) => (query.state.data?.pages.some((p) => p.deliveries.some((d) => d.status === "pending")) ? 5_000 : false),
      },
    ),
  );
  const redeliver = useMutation(
    trpc.webhooks.redeliver.mutationOptions({
      onSuccess: () => {
        setError(null);
        return queryClient.invalidateQueries(trpc.webhooks.pathFilter());
      },
      onError: (e) => setError(e.message),
    }),
  );
  const deliveries = log.data?.pages.flatMap((p) => p.deliveries) ?? [];

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 className="text-sm font-semibold text-slate-800">Delivery log</h3>
        <div className="flex items-center gap-2">
          <label className="text-sm text-slate-600" htmlFor={`status-${webhookId}`}>
            Status
          </label>
          <select
            id={`status-${webhookId}`}
            className="rounded-md border-0 py-1 pl-2 pr-8 text-sm ring-1 ring-inset ring-slate-300"
            value={status}
            onChange={(e) => setStatus(e.target.value as Status | "")}
          >
            <option value="">All</option>
            <option value="pending">Pending</option>
            <option value="succeeded">Delivered</option>
            <option value="failed">Failed</option>
          </select>
          <Button variant="ghost" className="px-2.5 py-1" busy={log.isRefetching && !log.isFetchingNextPage} onClick={() => void log.refetch()}>
            Refresh<span className="sr-only"> the delivery log of {url}</span>
          </Button>
        </div>
      </div>
      {error && <ErrorNotice title="Not sent again" message={error} />}
      {log.isPending ? (
        <div role="status" aria-label="Loading deliveries" className="space-y-2">
          <Skeleton className="h-6 w-full" />
          <Skeleton className="h-6 w-full" />
        </div>
      ) : log.isError ? (
        <ErrorNotice title="The delivery log could not be loaded" message={log.error.message} />
      ) : deliveries.length === 0 ? (
        <p className="rounded-md border border-dashed border-slate-300 px-4 py-6 text-center text-sm text-slate-600">
          {status
            ? "No deliveries with this status."
            : "No deliveries yet. When a subscribed event happens in this team, it is sent here and listed with the receiver's answer."}
        </p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full min-w-[40rem] text-left text-sm" aria-label={`Deliveries to ${url}`}>
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th scope="col" className="pb-2 pr-3 font-medium">
                  Event
                </th>
                <th scope="col" className="pb-2 pr-3 font-medium">
                  Status
                </th>
                <th scope="col" className="pb-2 pr-3 text-right font-medium">
                  Attempts
                </th>
                <th scope="col" className="pb-2 pr-3 font-medium">
                  Last answer
                </th>
                <th scope="col" className="pb-2 pr-3 font-medium">
                  Time
                </th>
                <th scope="col" className="pb-2 text-right font-medium">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 align-top">
              {deliveries.map((d) => (
                <tr key={d.id}>
                  <td className="py-2 pr-3">
                    <span className="block font-medium text-slate-800">{eventTypeLabel(d.eventType)}</span>
                    <span className="block font-mono text-xs text-slate-500">{d.subject ?? d.eventType}</span>
                  </td>
                  <td className="py-2 pr-3">
                    <Badge tone={statusTones[d.status]}>{statusLabels[d.status]}</Badge>
                  </td>
                  <td className="py-2 pr-3 text-right tabular-nums">{d.attempts}</td>
                  <td className="max-w-72 py-2 pr-3">
                    {d.lastStatusCode !== null && <span className="font-mono">{d.lastStatusCode}</span>}
                    {d.lastError && <span className="block break-words text-xs text-red-700">{d.lastError}</span>}
                    {d.lastStatusCode === null && !d.lastError && (
                      <span className="text-slate-500">{d.status === "pending" ? "not sent yet" : "–"}</span>
                    )}
                  </td>
                  <td className="whitespace-nowrap py-2 pr-3 text-slate-600">
                    <time
                      dateTime={new Date(d.createdAt).toISOString()}
                      title={`Event ${formatDateTime(d.createdAt)}${d.lastAttemptAt ? `; last attempt ${formatDateTime(d.lastAttemptAt)}` : ""}`}
                    >
                      {formatRelative(d.createdAt)}
                    </time>
                  </td>
                  <td className="py-2 text-right">
                    {canManage && (
                      <Button
                        variant="secondary"
                        className="px-2.5 py-1"
                        disabled={!active}
                        title={active ? undefined : "Resume the webhook to send deliveries again"}
                        busy={redeliver.isPending && redeliver.variables?.deliveryId === d.id}
                        onClick={() => redeliver.mutate({ teamId, webhookId, deliveryId: d.id })}
                      >
                        Redeliver
                        <span className="sr-only">
                          {" "}
                          {eventTypeLabel(d.eventType)} {d.subject ?? ""}
                        </span>
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {log.hasNextPage && (
        <Button variant="secondary" busy={log.isFetchingNextPage} onClick={() => void log.fetchNextPage()}>
          Load older deliveries
        </Button>
      )}
    </div>
  );
}
