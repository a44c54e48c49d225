"use client";

import { useEffect, useId, useRef, useState } from "react";
import { Button } from "~/components/ui/button";

/**
 * The signing secret, shown once after create or rotate. It lives only in this component's
 * state: leaving or reloading the page loses it for good (the server keeps it encrypted and
 * never returns it again).
 */
export function SecretReveal({ secret, url, rotated, onDone }: { secret: string; url: string; rotated: boolean; onDone: () => void }) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const inputId = useId();
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);

  // Focus the notice so keyboard and screen reader users land on it.
  useEffect(() => headingRef.current?.focus(), []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied("yes");
    } catch {
      setCopied("failed");
    }
  };

  return (
    <section aria-labelledby={`${inputId}-title`} className="rounded-lg border border-amber-300 bg-amber-50 p-5">
      <h2 id={`${inputId}-title`} ref={headingRef} tabIndex={-1} className="text-base font-semibold text-amber-950 outline-none">
        {rotated ? "New signing secret" : "Webhook created: copy its signing secret now"}
      </h2>
      <p className="mt-1 text-sm text-amber-900">
        This is the only time the secret of <span className="font-mono break-all">{url}</span> is shown. Store it with the receiver, which uses it to
        check the <code className="rounded bg-amber-100 px-1">x-provisio-signature</code> header.
        {rotated ? " The old secret no longer signs deliveries." : ""}
      </p>
      <div className="mt-3 flex flex-wrap items-end gap-2">
        <div className="min-w-0 flex-1">
          <label htmlFor={inputId} className="mb-1 block text-sm font-medium text-amber-950">
            Signing secret
          </label>
          <input
            id={inputId}
            readOnly
            value={secret}
            onFocus={(e) => e.currentTarget.select()}
            className="block w-full rounded-md border-0 bg-white px-3 py-2 font-mono text-sm text-slate-900 ring-1 ring-inset ring-amber-300 focus:ring-2 focus:ring-brand-500"
          />
        </div>
        <Button type="button" variant="secondary" onClick={() => void copy()}>
          Copy secret
        </Button>
        <Button type="button" onClick={onDone}>
          I have stored it
        </Button>
      </div>
      <p role="status" className="mt-2 min-h-5 text-sm text-amber-900">
        {copied === "yes"
          ? "Copied to the clipboard."
          : copied === "failed"
            ? "Copying is not allowed here: select the secret and copy it yourself."
            : ""}
      </p>
    </section>
  );
}
