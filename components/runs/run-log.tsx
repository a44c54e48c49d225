"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { formatLogTime } from "~/components/format/time";
import { Badge } from "~/components/ui/page";

type Line = { id: number; at: string; level: "info" | "warn" | "error"; message: string; address: string | null };
type Status = {
  status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
};

const tone = { queued: "slate", running: "brand", succeeded: "green", failed: "red", cancelled: "slate" } as const;
const levelClass = { info: "text-slate-200", warn: "text-amber-300", error: "text-red-300" } as const;

/**
 * A run's log, live: the server pushes each line as it is written (server-sent events), and
 * the page refreshes once the run ends so status, outputs and resources follow.
 */
export function RunLog({ runId, initialStatus }: { runId: string; initialStatus: Status["status"] }) {
  const [lines, setLines] = useState<Line[]>([]);
  const [status, setStatus] = useState<Status | null>(null);
  const [connection, setConnection] = useState<"connecting" | "live" | "closed" | "lost">("connecting");
  const bottom = useRef<HTMLDivElement>(null);
  const router = useRouter();

  useEffect(() => {
    const source = new EventSource(`/api/runs/${runId}/events`);
    source.onopen = () => setConnection("live");
    source.addEventListener("log", (e) => {
      const line = JSON.parse((e as MessageEvent<string>).data) as Line;
      setLines((current) => (current.some((l) => l.id === line.id) ? current : [...current, line]));
    });
    source.addEventListener("status", (e) => setStatus(JSON.parse((e as MessageEvent<string>).data) as Status));
    source.addEventListener("end", (e) => {
      setStatus(JSON.parse((e as MessageEvent<string>).data) as Status);
      setConnection("closed");
      source.close();
      if (initialStatus !== "succeeded" && initialStatus !== "failed") router.refresh();
    });
    source.onerror = () => setConnection((c) => (c === "closed" ? c : "lost"));
    return () => source.close();
  }, [runId, initialStatus, router]);

  useEffect(() => {
    bottom.current?.scrollIntoView({ block: "nearest" });
  }, [lines.length]);

  const current = status?.status ?? initialStatus;
  return (
    <div className="space-y-2">
      <div className="flex items-center gap-2 text-sm">
        <Badge tone={tone[current]}>{current}</Badge>
        <span className="text-slate-500">
          {connection === "live"
            ? "Live: lines appear as they happen"
            : connection === "connecting"
              ? "Connecting…"
              : connection === "lost"
                ? "Connection lost, reconnecting…"
                : "Finished"}
        </span>
      </div>
      <div
        role="log"
        aria-label="Run log"
        aria-live="polite"
        // Focusable, so a keyboard can scroll the log (axe: scrollable-region-focusable).
        tabIndex={0}
        className="max-h-96 overflow-y-auto break-words rounded-md bg-slate-900 p-3 font-mono text-xs leading-relaxed focus-visible:outline-2 focus-visible:outline-brand-500"
      >
        {lines.length === 0 ? (
          <p className="text-slate-400">{current === "queued" ? "Waiting for a worker…" : "No lines yet."}</p>
        ) : (
          <ol>
            {lines.map((line) => (
              <li key={line.id} className={levelClass[line.level]}>
                <time dateTime={line.at} className="mr-2 text-slate-400">
                  {formatLogTime(line.at)}
                </time>
                {line.level !== "info" && <span className="mr-1 uppercase">{line.level}</span>}
                {line.message}
              </li>
            ))}
          </ol>
        )}
        <div ref={bottom} />
      </div>
    </div>
  );
}
