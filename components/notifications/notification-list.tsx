"use client";

import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useTRPC } from "~/components/trpc/client";
import { Button } from "~/components/ui/button";
import { EmptyState, ErrorNotice, Skeleton } from "~/components/ui/page";
import { RelativeTime } from "~/components/ui/relative-time";
import { useHydrated } from "~/components/ui/use-hydrated";
import { notificationKindLabel, type NotificationKind } from "~/server/schemas/events";

const PAGE_SIZE = 20;

const kindTones: Partial<Record<NotificationKind, string>> = {
  approval_needed: "bg-amber-50 text-amber-800 ring-amber-200",
  request_approved: "bg-emerald-50 text-emerald-700 ring-emerald-200",
  run_succeeded: "bg-emerald-50 text-emerald-700 ring-emerald-200",
  request_rejected: "bg-red-50 text-red-700 ring-red-200",
  run_failed: "bg-red-50 text-red-700 ring-red-200",
  environment_extended: "bg-emerald-50 text-emerald-700 ring-emerald-200",
  environment_expiring: "bg-amber-50 text-amber-800 ring-amber-200",
  environment_expired: "bg-red-50 text-red-700 ring-red-200",
  environment_destroying: "bg-amber-50 text-amber-800 ring-amber-200",
};

/** The full list of the viewer's notifications, newest first, with paging and mark read. */
export function NotificationList({ canMarkRead }: { canMarkRead: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const pages = useInfiniteQuery(
    trpc.notifications.list.infiniteQueryOptions(
      { limit: PAGE_SIZE, unreadOnly },
      { getNextPageParam: (last) => last.nextCursor ?? undefined, staleTime: 0 },
    ),
  );
  const count = useQuery(trpc.notifications.unreadCount.queryOptions());
  const invalidate = () => queryClient.invalidateQueries(trpc.notifications.pathFilter());
  const onError = (e: { message: string }) => setError(e.message);
  const markRead = useMutation(trpc.notifications.markRead.mutationOptions({ onSuccess: invalidate, onError }));
  const markAllRead = useMutation(trpc.notifications.markAllRead.mutationOptions({ onSuccess: invalidate, onError }));
  const items = pages.data?.pages.flatMap((p) => p.notifications) ?? [];
  const unread = count.data?.unread ?? 0;
  // The count is fetched in the browser; another component (the bell) may have it already when
  // this one hydrates, so the server's empty text and the browser's first render could differ.
  const hydrated = useHydrated();
  const countKnown = hydrated && !count.isPending;

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <label className="inline-flex items-center gap-2 text-sm text-slate-700">
          <input
            type="checkbox"
            className="size-4 rounded border-slate-300 text-brand-600"
            checked={unreadOnly}
            onChange={(e) => setUnreadOnly(e.target.checked)}
          />
          Unread only
        </label>
        <div className="flex items-center gap-3">
          <p className="text-sm text-slate-600" aria-live="polite">
            {!countKnown ? "" : unread === 0 ? "All read" : `${unread} unread`}
          </p>
          {canMarkRead && (
            <Button variant="secondary" disabled={!countKnown || unread === 0} busy={markAllRead.isPending} onClick={() => markAllRead.mutate()}>
              Mark all read
            </Button>
          )}
        </div>
      </div>
      {error && <ErrorNotice title="Not marked read" message={error} />}
      {pages.isPending ? (
        <div role="status" aria-label="Loading notifications" className="space-y-3">
          {[0, 1, 2, 3].map((i) => (
            <Skeleton key={i} className="h-16 w-full" />
          ))}
        </div>
      ) : pages.isError ? (
        <ErrorNotice title="Notifications could not be loaded" message={pages.error.message} />
      ) : items.length === 0 ? (
        <EmptyState title={unreadOnly ? "Nothing unread" : "No notifications yet"}>
          When a request needs your approval, or one of yours is approved, rejected or provisioned, it shows up here and on the bell.
        </EmptyState>
      ) : (
        <>
          <ul aria-label="Notifications" className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white shadow-sm">
            {items.map((n) => (
              <li key={n.id} className={`flex flex-wrap items-start gap-3 px-5 py-4 ${n.readAt ? "" : "bg-brand-50/40"}`}>
                <span aria-hidden className={`mt-2 size-2 shrink-0 rounded-full ${n.readAt ? "bg-slate-200" : "bg-brand-600"}`} />
                <div className="min-w-0 flex-1">
                  <p className="flex flex-wrap items-center gap-2">
                    {!n.readAt && <span className="sr-only">Unread: </span>}
                    <span className={`text-sm ${n.readAt ? "text-slate-800" : "font-semibold text-slate-900"}`}>{n.title}</span>
                    <span
                      className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${kindTones[n.kind as NotificationKind] ?? "bg-slate-100 text-slate-700 ring-slate-200"}`}
                    >
                      {notificationKindLabel(n.kind)}
                    </span>
                  </p>
                  {n.body && <p className="mt-1 text-sm text-slate-600">{n.body}</p>}
                  <p className="mt-1 text-xs text-slate-500">
                    <RelativeTime at={n.createdAt} />
                    {n.teamName && ` · ${n.teamName}`}
                  </p>
                </div>
                <div className="flex shrink-0 items-center gap-2">
                  {n.link && (
                    <Link
                      href={n.link}
                      className="rounded-md px-3 py-1.5 text-sm font-medium text-brand-700 ring-1 ring-inset ring-brand-100 hover:bg-brand-50"
                      onClick={() => {
                        if (!n.readAt && canMarkRead) markRead.mutate({ ids: [n.id] });
                      }}
                    >
                      Open<span className="sr-only"> {n.title}</span>
                    </Link>
                  )}
                  {!n.readAt && canMarkRead && (
                    <Button
                      variant="ghost"
                      className="px-2.5 py-1.5"
                      busy={markRead.isPending && markRead.variables?.ids.includes(n.id)}
                      onClick={() => markRead.mutate({ ids: [n.id] })}
                    >
                      Mark read<span className="sr-only"> {n.title}</span>
                    </Button>
                  )}
                </div>
              </li>
            ))}
          </ul>
          {pages.hasNextPage && (
            <div className="text-center">
              <Button variant="secondary" busy={pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()}>
                Load older notifications
              </Button>
            </div>
          )}
        </>
      )}
    </div>
  );
}
