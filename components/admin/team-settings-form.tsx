"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { useForm } from "react-hook-form";
import type { z } from "zod";
import { useTRPC } from "~/components/trpc/client";
import { Button } from "~/components/ui/button";
import { applyServerError } from "~/components/ui/form";
import { ErrorNotice } from "~/components/ui/page";
import { useHydrated } from "~/components/ui/use-hydrated";
import { TeamFields } from "./team-fields";
import { TeamLimitsFields } from "./team-limits-fields";
import { teamFields, teamLimitFieldNames, type BudgetMode } from "~/server/schemas/teams";

type Team = {
  id: string;
  name: string;
  description: string;
  costCenter: string;
  monthlyBudgetCents: number;
  budgetMode: BudgetMode;
  approvalThresholdCents: number | null;
  quotaVcpus: number | null;
  quotaInstances: number | null;
  quotaGpus: number | null;
  version: number;
};
const fields = ["name", "description", "costCenter", "monthlyBudgetUsd", ...teamLimitFieldNames] as const;

/**
 * The page remounts this form for every new team version (its key), so a fresh form shows what
 * was saved; the "Saved." confirmation is carried across that remount here.
 */
const justSaved = new Set<string>();

export function TeamSettingsForm({ team }: { team: Team }) {
  const trpc = useTRPC();
  const router = useRouter();
  const savedKey = `${team.id}@${team.version}`;
  const [message, setMessage] = useState<{ tone: "ok" | "error"; text: string } | null>(() =>
    justSaved.has(savedKey) ? { tone: "ok", text: "Saved." } : null,
  );
  useEffect(() => {
    justSaved.delete(savedKey);
  }, [savedKey]);
  const form = useForm<z.input<typeof teamFields>, unknown, z.output<typeof teamFields>>({
    resolver: zodResolver(teamFields),
    defaultValues: {
      name: team.name,
      description: team.description,
      costCenter: team.costCenter,
      monthlyBudgetUsd: Math.round(team.monthlyBudgetCents / 100),
      budgetMode: team.budgetMode,
      approvalThresholdUsd: team.approvalThresholdCents === null ? null : Math.round(team.approvalThresholdCents / 100),
      quotaVcpus: team.quotaVcpus,
      quotaInstances: team.quotaInstances,
      quotaGpus: team.quotaGpus,
    },
  });
  const update = useMutation(
    trpc.teams.update.mutationOptions({
      onSuccess: (saved) => {
        justSaved.add(`${saved.id}@${saved.version}`);
        setMessage({ tone: "ok", text: "Saved." });
        router.refresh();
      },
      onError: (error) => {
        const text = applyServerError(error, form.setError, fields);
        setMessage(text ? { tone: "error", text } : null);
      },
    }),
  );
  const errors = form.formState.errors;
  // Typing before hydration was lost (react-hook-form writes its defaults into the fields when it attaches): wait for it.
  const hydrated = useHydrated();

  return (
    <form
      noValidate
      aria-label="Team settings"
      className="grid grid-cols-1 gap-4 sm:grid-cols-2"
      onSubmit={form.handleSubmit((values) => {
        setMessage(null);
        update.mutate({ ...values, teamId: team.id, expectedVersion: team.version });
      })}
    >
      <fieldset disabled={!hydrated} className="contents">
        <TeamFields register={form.register} errors={errors} />
        <TeamLimitsFields register={form.register} errors={errors} />
      </fieldset>
      <div className="flex items-center gap-3 sm:col-span-2">
        <Button type="submit" busy={update.isPending} disabled={!hydrated}>
          Save changes
        </Button>
        {message?.tone === "ok" && (
          <p role="status" className="text-sm text-emerald-700">
            {message.text}
          </p>
        )}
      </div>
      {message?.tone === "error" && (
        <div className="sm:col-span-2">
          <ErrorNotice title="Not saved" message={message.text} />
        </div>
      )}
    </form>
  );
}
