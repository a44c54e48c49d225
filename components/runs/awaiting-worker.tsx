"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";

/** Shown for an approved request before a worker has picked it up; the page follows as soon as one does. */
export function AwaitingWorker() {
  const router = useRouter();
  useEffect(() => {
    // Only until the environment exists: then the live run log takes over (pushed, not polled).
    const timer = setInterval(() => router.refresh(), 1_500);
    return () => clearInterval(timer);
  }, [router]);
  return (
    <p role="status" className="text-sm text-slate-600">
      Approved and queued: waiting for a worker to start provisioning…
    </p>
  );
}
