"use client";

import type { FieldErrors, FieldValues, Path, UseFormRegister } from "react-hook-form";
import type { z } from "zod";
import { Field, TextInput } from "~/components/ui/form";
import type { teamFields } from "~/server/schemas/teams";

type TeamFieldValues = z.input<typeof teamFields>;

/** Name, cost center, budget and description: shared by the create and the settings forms. */
export function TeamFields<T extends FieldValues & TeamFieldValues>({ register, errors }: { register: UseFormRegister<T>; errors: FieldErrors<T> }) {
  const field = (name: keyof TeamFieldValues) => name as Path<T>;
  const message = (name: keyof TeamFieldValues) => errors[name]?.message as string | undefined;
  return (
    <>
      <Field label="Name" error={message("name")}>
        {({ id, describedBy }) => <TextInput id={id} aria-describedby={describedBy} aria-invalid={!!errors.name} {...register(field("name"))} />}
      </Field>
      <Field label="Cost center" hint="Carried as a tag on every resource" error={message("costCenter")}>
        {({ id, describedBy }) => (
          <TextInput
            id={id}
            aria-describedby={describedBy}
            aria-invalid={!!errors.costCenter}
            placeholder="CC-1234"
            {...register(field("costCenter"))}
          />
        )}
      </Field>
      <Field label="Monthly budget (USD)" error={message("monthlyBudgetUsd")}>
        {({ id, describedBy }) => (
          <TextInput
            id={id}
            type="number"
            min={0}
            step={1}
            aria-describedby={describedBy}
            aria-invalid={!!errors.monthlyBudgetUsd}
            {...register(field("monthlyBudgetUsd"), { valueAsNumber: true })}
          />
        )}
      </Field>
      <div className="sm:col-span-2">
        <Field label="Description" error={message("description")}>
          {({ id, describedBy }) => <TextInput id={id} aria-describedby={describedBy} {...register(field("description"))} />}
        </Field>
      </div>
    </>
  );
}
