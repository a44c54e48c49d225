"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC } from "~/components/trpc/client";
import { Button } from "~/components/ui/button";
import { Field, TextInput } from "~/components/ui/form";
import { Card } from "~/components/ui/page";

/** Admins: the longest lifetime a new token may have (existing tokens keep theirs). */
export function TokenLifetimeSetting() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const settings = useQuery(trpc.apiTokens.settings.queryOptions());
  const [days, setDays] = useState<string | null>(null);
  const save = useMutation(
    trpc.apiTokens.setSettings.mutationOptions({ onSuccess: () => queryClient.invalidateQueries(trpc.apiTokens.pathFilter()) }),
  );
  const value = days ?? String(settings.data?.maxTokenDays ?? "");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate({ maxTokenDays: Number(value) });
  };
  return (
    <Card title="Token lifetime (admins)">
      <form onSubmit={submit} className="flex flex-wrap items-end gap-3" aria-label="Token lifetime">
        <Field label="Longest lifetime of a new token (days)" error={save.error?.message}>
          {({ id, describedBy }) => (
            <TextInput
              id={id}
              type="number"
              min={1}
              aria-describedby={describedBy}
              value={value}
              onChange={(e) => setDays(e.target.value)}
              required
            />
          )}
        </Field>
        <Button type="submit" busy={save.isPending}>
          Save
        </Button>
        <p role="status" className="text-sm text-slate-600">
          {save.isSuccess ? `Saved: at most ${save.data.maxTokenDays} days.` : ""}
        </p>
      </form>
    </Card>
  );
}
