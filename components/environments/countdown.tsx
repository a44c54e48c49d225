"use client";

import { useEffect, useState } from "react";
import { formatDateTime } from "~/components/format/time";
import { countdown } from "./format";

/** The current time, ticking every `intervalMs` (server render and first paint use the time of rendering). */
export function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

const toneClass = {
  slate: "text-slate-700",
  brand: "text-brand-700",
  green: "text-emerald-700",
  amber: "text-amber-800",
  red: "text-red-700",
} as const;

/**
 * Time left until an expiry, ticking. Not a live region (it would speak every second): the
 * absolute time is in its title and `dateTime`, and the text reads well whenever it is reached.
 */
export function ExpiryCountdown({
  expiresAt,
  intervalMs = 1_000,
  className = "",
}: {
  expiresAt: Date | string;
  intervalMs?: number;
  className?: string;
}) {
  const now = useNow(intervalMs);
  const left = countdown(expiresAt, now);
  return (
    <time
      dateTime={new Date(expiresAt).toISOString()}
      title={formatDateTime(expiresAt)}
      className={`tabular-nums ${toneClass[left.tone]} ${className}`}
      suppressHydrationWarning
    >
      {left.text}
    </time>
  );
}
