"use client";

import { Button } from "~/components/ui/button";

export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div role="alert" className="mx-auto max-w-xl py-16 text-center">
      <p className="text-sm font-semibold text-red-600">Error</p>
      <h1 className="mt-2 text-2xl font-semibold tracking-tight">This page could not be loaded</h1>
      <p className="mt-3 text-sm text-slate-600">
        {error.digest ? `Reference ${error.digest}. ` : ""}Try again; if it keeps failing, check /api/health.
      </p>
      <Button className="mt-6" onClick={reset}>
        Try again
      </Button>
    </div>
  );
}
