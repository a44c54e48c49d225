"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm } from "react-hook-form";
import type { z } from "zod";
import { useTRPC } from "~/components/trpc/client";
import { Button } from "~/components/ui/button";
import { applyServerError, Field, TextInput } from "~/components/ui/form";
import { ErrorNotice } from "~/components/ui/page";
import { TeamFields } from "./team-fields";
import { TeamLimitsFields } from "./team-limits-fields";
import { createTeamInput, teamLimitFieldNames } from "~/server/schemas/teams";

type FormInput = z.input<typeof createTeamInput>;
type FormOutput = z.output<typeof createTeamInput>;
const fields = ["slug", "name", "description", "costCenter", "monthlyBudgetUsd", ...teamLimitFieldNames] as const;
const defaults: FormInput = {
  slug: "",
  name: "",
  description: "",
  costCenter: "",
  monthlyBudgetUsd: 1000,
  budgetMode: "hard",
  approvalThresholdUsd: null,
  quotaVcpus: null,
  quotaInstances: null,
  quotaGpus: null,
};

export function CreateTeamForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm<FormInput, unknown, FormOutput>({
    resolver: zodResolver(createTeamInput),
    defaultValues: defaults,
  });
  const create = useMutation(
    trpc.teams.create.mutationOptions({
      onSuccess: async (team) => {
        form.reset();
        await queryClient.invalidateQueries({ queryKey: trpc.teams.list.queryKey() });
        router.push(`/admin/teams/${team.id}`);
      },
      onError: (error) => setFormError(applyServerError(error, form.setError, fields)),
    }),
  );
  const errors = form.formState.errors;

  return (
    <form
      noValidate
      aria-label="Create a team"
      onSubmit={form.handleSubmit((values) => {
        setFormError(null);
        create.mutate(values);
      })}
      className="grid gap-4 sm:grid-cols-2"
    >
      <Field label="Slug" hint="Used in tags and URLs: lowercase letters, digits and '-'" error={errors.slug?.message}>
        {({ id, describedBy }) => <TextInput id={id} aria-describedby={describedBy} aria-invalid={!!errors.slug} {...form.register("slug")} />}
      </Field>
      <TeamFields register={form.register} errors={errors} />
      <TeamLimitsFields register={form.register} errors={errors} />
      {formError && (
        <div className="sm:col-span-2">
          <ErrorNotice title="The team was not created" message={formError} />
        </div>
      )}
      <div className="sm:col-span-2">
        <Button type="submit" busy={create.isPending}>
          Create team
        </Button>
      </div>
    </form>
  );
}
