"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "~/components/trpc/client";
import { Button } from "~/components/ui/button";
import type { EnvironmentOutput } from "./types";

const mask = "••••••••";

function CopyButton({ value, label }: { value: string; label: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  return (
    <>
      <Button
        type="button"
        variant="ghost"
        className="px-2! py-1! text-xs"
        aria-label={`Copy ${label}`}
        onClick={() => {
          navigator.clipboard.writeText(value).then(
            () => setState("copied"),
            () => setState("failed"),
          );
        }}
      >
        Copy
      </Button>
      <span role="status" className="text-xs text-slate-500">
        {state === "copied" ? "Copied" : state === "failed" ? "Copying is blocked here: select the value instead" : ""}
      </span>
    </>
  );
}

function SecretValue({
  environmentId,
  output,
  canReveal,
  whyNot,
}: {
  environmentId: string;
  output: EnvironmentOutput;
  canReveal: boolean;
  whyNot: string | null;
}) {
  const trpc = useTRPC();
  const [value, setValue] = useState<string | null>(null);
  const [shown, setShown] = useState(false);
  const reveal = useMutation(
    trpc.environments.revealSecret.mutationOptions({
      onSuccess: (result) => {
        setValue(result.value);
        setShown(true);
      },
    }),
  );
  return (
    <div className="min-w-0">
      <div className="flex flex-wrap items-center gap-2">
        <code
          aria-label={shown && value !== null ? `${output.name} value` : `${output.name} (hidden)`}
          className="min-w-0 break-all rounded bg-slate-50 px-1.5 py-0.5 font-mono text-xs text-slate-900"
        >
          {shown && value !== null ? value : mask}
        </code>
        {canReveal &&
          (value === null ? (
            <Button
              type="button"
              variant="secondary"
              className="px-2! py-1! text-xs"
              busy={reveal.isPending}
              onClick={() => reveal.mutate({ environmentId, name: output.name })}
            >
              Reveal<span className="sr-only"> {output.name}</span>
            </Button>
          ) : (
            <Button type="button" variant="ghost" className="px-2! py-1! text-xs" aria-pressed={shown} onClick={() => setShown((s) => !s)}>
              {shown ? "Hide" : "Show"}
              <span className="sr-only"> {output.name}</span>
            </Button>
          ))}
        {value !== null && shown && <CopyButton value={value} label={output.name} />}
      </div>
      {reveal.error && (
        <p role="alert" className="mt-1 text-xs font-medium text-red-700">
          {reveal.error.message}
        </p>
      )}
      {!canReveal && whyNot && <p className="mt-1 text-xs text-slate-500">{whyNot}</p>}
      {value !== null && <p className="mt-1 text-xs text-slate-500">Revealing is recorded in the audit log.</p>}
    </div>
  );
}

/** Plain outputs with copy buttons; secret ones masked, revealed one at a time to those allowed (and audited). */
export function OutputsPanel({
  environmentId,
  outputs,
  canReveal,
  revealWhyNot,
  secretsUnreadable,
}: {
  environmentId: string;
  outputs: EnvironmentOutput[];
  canReveal: boolean;
  revealWhyNot: string | null;
  secretsUnreadable: boolean;
}) {
  if (outputs.length === 0) return <p className="text-sm text-slate-600">No outputs yet: they are filled in when the apply finishes.</p>;
  return (
    <div className="space-y-3">
      {secretsUnreadable && (
        <p role="note" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          The secret outputs cannot be decrypted: NEXTAUTH_SECRET changed since they were stored.
        </p>
      )}
      <dl aria-label="Outputs" className="divide-y divide-slate-100">
        {outputs.map((o) => (
          <div key={o.name} className="grid gap-1 py-2.5 first:pt-0 last:pb-0 sm:grid-cols-[14rem_minmax(0,1fr)] sm:gap-4">
            <dt className="min-w-0">
              <span className="block font-mono text-xs font-medium text-slate-900">{o.name}</span>
              {o.title !== o.name && <span className="block text-xs text-slate-500">{o.title}</span>}
              {o.sensitive && (
                <span className="mt-0.5 inline-block rounded bg-amber-50 px-1 text-[11px] font-medium uppercase tracking-wide text-amber-800 ring-1 ring-inset ring-amber-200">
                  secret
                </span>
              )}
            </dt>
            <dd className="min-w-0">
              {o.sensitive ? (
                <SecretValue environmentId={environmentId} output={o} canReveal={canReveal} whyNot={revealWhyNot} />
              ) : (
                <div className="flex flex-wrap items-center gap-2">
                  <code className="min-w-0 break-all rounded bg-slate-50 px-1.5 py-0.5 font-mono text-xs text-slate-900">{o.value}</code>
                  <CopyButton value={o.value} label={o.name} />
                </div>
              )}
            </dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
