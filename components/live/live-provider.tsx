"use client";

import { useQueryClient } from "@tanstack/react-query";
import { usePathname, useRouter } from "next/navigation";
import { useEffect, useRef } from "react";
import { setLiveConnected } from "./live-status";
import { parseMessage, pageShows, routersFor } from "./live-updates";

/**
 * Keeps every open page current by push: one EventSource per tab on /api/events (the signed-in
 * user's changes, scoped on the server by the access rules). A change invalidates the cached
 * queries of the routers it touches (lists, inbox, bell) and re-renders a server-rendered page
 * that shows it. After a dropped connection everything is re-read once. No polling (views that
 * poll as a fallback, like a rollout's progress, do so only while this stream is down: live-status.ts).
 */
export function LiveUpdates() {
  const queryClient = useQueryClient();
  const router = useRouter();
  const pathname = usePathname();
  const pathRef = useRef(pathname);
  useEffect(() => {
    pathRef.current = pathname;
  }, [pathname]);

  useEffect(() => {
    const source = new EventSource("/api/events");
    let refreshTimer: ReturnType<typeof setTimeout> | undefined;
    let connectedBefore = false;
    // Bursts (a run's status, its environment, its request) become one re-render.
    const refresh = () => {
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(() => router.refresh(), 100);
    };
    source.addEventListener("ready", () => {
      if (connectedBefore) {
        void queryClient.invalidateQueries();
        // Only the server-rendered pages that show live data re-render: a refresh elsewhere (the
        // catalog) could hand a page the router's older search params while it writes the URL.
        if (pathRef.current === "/" || /^\/(requests|environments)\/[^/]+$/.test(pathRef.current)) refresh();
      }
      connectedBefore = true;
      document.documentElement.dataset.live = "on";
      setLiveConnected(true);
    });
    source.addEventListener("change", (event) => {
      const change = parseMessage((event as MessageEvent<string>).data);
      if (!change) return;
      const routers = new Set<string>(routersFor(change));
      // tRPC query keys start with the procedure path: [["requests", "get"], {...}].
      void queryClient.invalidateQueries({
        predicate: (query) => {
          const path = query.queryKey[0];
          return Array.isArray(path) && typeof path[0] === "string" && routers.has(path[0]);
        },
      });
      if (pageShows(pathRef.current, change)) refresh();
    });
    source.addEventListener("error", () => {
      document.documentElement.dataset.live = "off";
      setLiveConnected(false);
    });
    return () => {
      clearTimeout(refreshTimer);
      source.close();
      setLiveConnected(false);
    };
  }, [queryClient, router]);
  return null;
}
