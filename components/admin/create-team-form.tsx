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
import { createTeamInput } from "~/server/schemas/teams";

type FormInput = z.input<typeof createTeamInput>;
type FormOutput = z.output<typeof createTeamInput>;
const fields = ["slug", "name", "description", "costCenter", "monthlyBudgetUsd"] as const;

export function CreateTeamForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm<FormInput, unknown, FormOutput>({
    resolver: zodResolver(createTeamInput),
    defaultValues: { slug: "", name: "", description: "", costCenter: "", monthlyBudgetUsd: 1000 },
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
      <Field label="Name" error={errors.name?.message}>
        {({ id, describedBy }) => <TextInput id={id} aria-describedby={describedBy} aria-invalid={!!errors.name} {...form.register("name")} />}
      </Field>
      <Field label="Slug" hint="Used in tags and URLs: lowercase letters, digits and '-'" error={errors.slug?.message}>
        {({ id, describedBy }) => <TextInput id={id} aria-describedby={describedBy} aria-invalid={!!errors.slug} {...form.register("slug")} />}
      </Field>
      <Field label="Cost center" hint="Carried as a tag on every resource" error={errors.costCenter?.message}>
        {({ id, describedBy }) => (
          <TextInput id={id} aria-describedby={describedBy} aria-invalid={!!errors.costCenter} placeholder="CC-1234" {...form.register("costCenter")} />
        )}
      </Field>
      <Field label="Monthly budget (USD)" error={errors.monthlyBudgetUsd?.message}>
        {({ id, describedBy }) => (
          <TextInput
            id={id}
            type="number"
            min={0}
            step={1}
            aria-describedby={describedBy}
            aria-invalid={!!errors.monthlyBudgetUsd}
            {...form.register("monthlyBudgetUsd", { valueAsNumber: true })}
          />
        )}
      </Field>
      <div className="sm:col-span-2">
        <Field label="Description" error={errors.description?.message}>
          {({ id, describedBy }) => <TextInput id={id} aria-describedby={describedBy} {...form.register("description")} />}
        </Field>
      </div>
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
