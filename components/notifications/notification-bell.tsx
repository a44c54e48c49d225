"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useId, useRef, useState } from "react";
import { useTRPC } from "~/components/trpc/client";
import { Skeleton } from "~/components/ui/page";
import { RelativeTime } from "~/components/ui/relative-time";
import { useHydrated } from "~/components/ui/use-hydrated";
import { badgeText, bellLabel } from "./format";

const PREVIEW_SIZE = 6;

/**
 * The bell in the app shell: unread count in its accessible name ("Notifications, 3 unread"),
 * and a panel with the latest notifications. Escape or a click elsewhere closes it and focus
 * returns to the bell.
 */
export function NotificationBell({
  align = "left",
}: {
  /** "right": in the small-screen header, the panel spans the screen's width. */ align?: "left" | "right";
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const pathname = usePathname();
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const headingId = useId();
  const buttonRef = useRef<HTMLButtonElement>(null);
  const containerRef = useRef<HTMLDivElement>(null);

  const count = useQuery(
    // Pushed: components/live invalidates it when a notification arrives.
    trpc.notifications.unreadCount.queryOptions(undefined, { refetchOnWindowFocus: true, staleTime: 5_000 }),
  );
  const latest = useQuery(trpc.notifications.list.queryOptions({ limit: PREVIEW_SIZE }, { enabled: open, staleTime: 0 }));
  const invalidate = () => queryClient.invalidateQueries(trpc.notifications.pathFilter());
  const markRead = useMutation(trpc.notifications.markRead.mutationOptions({ onSuccess: invalidate }));
  const markAllRead = useMutation(trpc.notifications.markAllRead.mutationOptions({ onSuccess: invalidate }));

  // A navigation closes the panel.
  const [lastPath, setLastPath] = useState(pathname);
  if (pathname !== lastPath) {
    setLastPath(pathname);
    setOpen(false);
  }

  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") {
        setOpen(false);
        buttonRef.current?.focus();
      }
    };
    const onPointer = (event: PointerEvent) => {
      if (containerRef.current && !containerRef.current.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("keydown", onKey);
    document.addEventListener("pointerdown", onPointer);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("pointerdown", onPointer);
    };
  }, [open]);

  // Only after hydration: the notifications page may have fetched the count before the bell
  // hydrates, and the server rendered the bell without one.
  const hydrated = useHydrated();
  const unread = hydrated ? count.data?.unread : undefined;
  const items = latest.data?.notifications ?? [];

  return (
    <div ref={containerRef} className="relative">
      <button
        ref={buttonRef}
        type="button"
        aria-label={bellLabel(unread)}
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((o) => !o)}
        className="relative grid size-9 place-items-center rounded-md text-slate-600 hover:bg-slate-100 hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
      >
        <BellIcon />
        {unread !== undefined && unread > 0 && (
          <span
            aria-hidden
            className="absolute -right-0.5 -top-0.5 min-w-5 rounded-full bg-red-600 px-1 text-center text-[11px] font-semibold leading-5 text-white"
          >
            {badgeText(unread)}
          </span>
        )}
      </button>
      {open && (
        <section
          id={panelId}
          aria-labelledby={headingId}
          className={`z-40 rounded-lg border border-slate-200 bg-white shadow-lg ${
            align === "right"
              ? "fixed inset-x-2 top-16 sm:absolute sm:inset-x-auto sm:right-0 sm:top-full sm:mt-2 sm:w-96"
              : "absolute left-0 top-full mt-2 w-96"
          }`}
        >
          <div className="flex items-center justify-between border-b border-slate-100 px-4 py-2.5">
            <h2 id={headingId} className="text-sm font-semibold text-slate-900">
              Notifications
            </h2>
            <button
              type="button"
              className="rounded px-2 py-1 text-xs font-medium text-brand-700 hover:bg-brand-50 disabled:text-slate-400"
              disabled={!unread || markAllRead.isPending}
              onClick={() => markAllRead.mutate()}
            >
              Mark all read
            </button>
          </div>
          {latest.isPending ? (
            <div role="status" aria-label="Loading notifications" className="space-y-3 p-4">
              <Skeleton className="h-4 w-3/4" />
              <Skeleton className="h-4 w-1/2" />
              <Skeleton className="h-4 w-2/3" />
            </div>
          ) : latest.isError ? (
            <p role="alert" className="p-4 text-sm text-red-700">
              Notifications could not be loaded. {latest.error.message}
            </p>
          ) : items.length === 0 ? (
            <p className="px-4 py-8 text-center text-sm text-slate-600">
              You have no notifications yet. Approvals, decisions and run results show up here.
            </p>
          ) : (
            <ul aria-label="Latest notifications" className="max-h-96 divide-y divide-slate-100 overflow-y-auto">
              {items.map((n) => (
                <li key={n.id}>
                  <Link
                    href={n.link ?? "/notifications"}
                    onClick={() => {
                      if (!n.readAt) markRead.mutate({ ids: [n.id] });
                      setOpen(false);
                    }}
                    className={`block px-4 py-3 hover:bg-slate-50 focus-visible:bg-slate-50 ${n.readAt ? "" : "bg-brand-50/40"}`}
                  >
                    <span className="flex items-start gap-2">
                      <span aria-hidden className={`mt-1.5 size-2 shrink-0 rounded-full ${n.readAt ? "bg-transparent" : "bg-brand-600"}`} />
                      <span className="min-w-0">
                        {!n.readAt && <span className="sr-only">Unread: </span>}
                        <span className={`block text-sm ${n.readAt ? "text-slate-700" : "font-semibold text-slate-900"}`}>{n.title}</span>
                        {n.body && <span className="mt-0.5 block truncate text-xs text-slate-600">{n.body}</span>}
                        <span className="mt-0.5 block text-xs text-slate-500">
                          <RelativeTime at={n.createdAt} />
                          {n.teamName && ` · ${n.teamName}`}
                        </span>
                      </span>
                    </span>
                  </Link>
                </li>
              ))}
            </ul>
          )}
          <div className="border-t border-slate-100 px-4 py-2.5">
            <Link href="/notifications" className="text-sm font-medium text-brand-700 hover:underline" onClick={() => setOpen(false)}>
              See all notifications
            </Link>
          </div>
        </section>
      )}
    </div>
  );
}

function BellIcon() {
  return (
    <svg aria-hidden viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={1.8} className="size-5">
      <path
        strokeLinecap="round"
        strokeLinejoin="round"
        d="M14.857 17.082a23.848 23.848 0 0 0 5.454-1.31A8.967 8.967 0 0 1 18 9.75V9A6 6 0 0 0 6 9v.75a8.967 8.967 0 0 1-2.312 6.022c1.733.64 3.56 1.085 5.455 1.31m5.714 0a24.255 24.255 0 0 1-5.714 0m5.714 0a3 3 0 1 1-5.714 0"
      />
    </svg>
  );
}
