"use client";

import { useEffect, useId, useRef } from "react";
import { Button } from "~/components/ui/button";

/** A new token, shown once: only its hash is stored, so leaving the page loses it for good. */
export function TokenReveal({ token, name, onDone }: { token: string; name: string; onDone: () => void }) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const id = useId();
  useEffect(() => headingRef.current?.focus(), []);
  return (
    <section aria-labelledby={`${id}-title`} className="rounded-lg border border-amber-300 bg-amber-50 p-5">
      <h2 id={`${id}-title`} ref={headingRef} tabIndex={-1} className="text-base font-semibold text-amber-950 outline-none">
        Token “{name}” created: copy it now
      </h2>
      <p className="mt-1 text-sm text-amber-900">
        This is the only time it is shown. Use it as <code>Authorization: Bearer …</code> or with <code>provisio login</code>.
      </p>
      <label htmlFor={id} className="mb-1 mt-3 block text-sm font-medium text-amber-950">
        Token
      </label>
      <input
        id={id}
        readOnly
        value={token}
        onFocus={(e) => e.currentTarget.select()}
        className="block w-full rounded-md border-0 bg-white px-3 py-2 font-mono text-sm text-slate-900 ring-1 ring-inset ring-amber-300"
      />
      <Button className="mt-3" variant="secondary" onClick={onDone}>
        I have stored it
      </Button>
    </section>
  );
}
