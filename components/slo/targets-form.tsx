"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "~/components/trpc/client";
import { Button } from "~/components/ui/button";
import { Field, TextInput } from "~/components/ui/form";
import { Card, ErrorNotice, Skeleton } from "~/components/ui/page";

type Target = {
  key: "success" | "latency_dev" | "latency_staging" | "latency_prod";
  objective: number;
  thresholdSeconds: number | null;
  windowDays: number;
};
const titles: Record<Target["key"], string> = {
  success: "Provisioning success",
  latency_dev: "Time to provision, dev",
  latency_staging: "Time to provision, staging",
  latency_prod: "Time to provision, prod",
};

/** Admins: each SLO's objective, threshold (time to provision) and window. */
export function TargetsForm() {
  const trpc = useTRPC();
  const targets = useQuery(trpc.slo.targets.queryOptions());
  if (targets.error) return <ErrorNotice message={targets.error.message} />;
  return (
    <Card title="SLO settings">
      {!targets.data ? (
        <Skeleton className="h-24 w-full" />
      ) : (
        <div className="grid gap-4 lg:grid-cols-2">
          {targets.data.map((t) => (
            <TargetRow key={t.key} target={t} />
          ))}
        </div>
      )}
    </Card>
  );
}

function TargetRow({ target }: { target: Target }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [objective, setObjective] = useState(String(+(target.objective * 100).toFixed(3)));
  const [threshold, setThreshold] = useState(target.thresholdSeconds === null ? "" : String(target.thresholdSeconds / 60));
  const [windowDays, setWindowDays] = useState(String(target.windowDays));
  const [saved, setSaved] = useState(false);
  const save = useMutation(
    trpc.slo.setTarget.mutationOptions({
      onSuccess: async () => {
        setSaved(true);
        await queryClient.invalidateQueries({ queryKey: trpc.slo.pathKey() });
      },
    }),
  );
  return (
    <form
      aria-label={`${titles[target.key]} target`}
      className="space-y-2 rounded-md border border-slate-200 p-3"
      onSubmit={(e) => {
        e.preventDefault();
        setSaved(false);
        save.mutate({
          key: target.key,
          objectivePercent: Number(objective),
          thresholdMinutes: target.key === "success" ? null : Number(threshold),
          windowDays: Number(windowDays),
        });
      }}
    >
      <p className="text-sm font-medium">{titles[target.key]}</p>
      <div className="flex flex-wrap gap-3">
        <div className="w-28">
          <Field label="Objective (%)">
            {({ id }) => <TextInput id={id} inputMode="decimal" value={objective} onChange={(e) => setObjective(e.target.value)} />}
          </Field>
        </div>
        {target.key !== "success" && (
          <div className="w-32">
            <Field label="Within (minutes)">
              {({ id }) => <TextInput id={id} inputMode="numeric" value={threshold} onChange={(e) => setThreshold(e.target.value)} />}
            </Field>
          </div>
        )}
        <div className="w-28">
          <Field label="Window (days)">
            {({ id }) => <TextInput id={id} inputMode="numeric" value={windowDays} onChange={(e) => setWindowDays(e.target.value)} />}
          </Field>
        </div>
      </div>
      {save.error && <p className="text-sm text-red-700">{save.error.message}</p>}
      <div className="flex items-center gap-2">
        <Button type="submit" variant="secondary" busy={save.isPending}>
          Save
        </Button>
        {saved && !save.isPending && (
          <span role="status" className="text-sm text-emerald-700">
            Saved.
          </span>
        )}
      </div>
    </form>
  );
}
