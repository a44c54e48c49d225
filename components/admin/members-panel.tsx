"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { useTRPC } from "~/components/trpc/client";
import { Button } from "~/components/ui/button";
import { applyServerError, Field, Select, TextInput } from "~/components/ui/form";
import { EmptyState, ErrorNotice } from "~/components/ui/page";
import { membershipRoles } from "~/server/schemas/teams";

type Member = { userId: string; email: string; name: string; role: (typeof membershipRoles)[number] };

const addMemberForm = z.object({
  email: z.email({ error: "must be an email address" }),
  role: z.enum(membershipRoles),
});

export function MembersPanel({ teamId, teamName, members }: { teamId: string; teamName: string; members: Member[] }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const form = useForm<z.infer<typeof addMemberForm>>({ resolver: zodResolver(addMemberForm), defaultValues: { email: "", role: "member" } });
  const onError = (e: unknown) => setError(applyServerError(e, form.setError, ["email", "role"]));
  const setMember = useMutation(
    trpc.teams.setMember.mutationOptions({
      onSuccess: () => {
        form.reset({ email: "", role: "member" });
        router.refresh();
      },
      onError,
    }),
  );
  const removeMember = useMutation(trpc.teams.removeMember.mutationOptions({ onSuccess: () => router.refresh(), onError }));

  return (
    <div className="space-y-5">
      {members.length === 0 ? (
        <EmptyState title="No members yet">Add people by the email they sign in with.</EmptyState>
      ) : (
        <div className="relative overflow-x-auto" tabIndex={0} role="region" aria-label="Members table">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Members of {teamName}</caption>
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th scope="col" className="pb-2 font-medium">
                  Person
                </th>
                <th scope="col" className="pb-2 font-medium">
                  Role
                </th>
                <th scope="col" className="pb-2 text-right font-medium">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {members.map((m) => (
                <tr key={m.userId}>
                  <td className="py-2.5">
                    <span className="block font-medium">{m.name}</span>
                    <span className="block text-xs text-slate-500">{m.email}</span>
                  </td>
                  <td className="py-2.5">
                    <label className="sr-only" htmlFor={`role-${m.userId}`}>
                      Role of {m.name}
                    </label>
                    <select
                      id={`role-${m.userId}`}
                      className="rounded-md border-0 py-1 pl-2 pr-8 text-sm ring-1 ring-inset ring-slate-300"
                      value={m.role}
                      disabled={setMember.isPending}
                      onChange={(e) => setMember.mutate({ teamId, email: m.email, role: e.target.value as Member["role"] })}
                    >
                      {membershipRoles.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td className="py-2.5 text-right">
                    <Button
                      variant="ghost"
                      aria-label={`Remove ${m.name} from ${teamName}`}
                      busy={removeMember.isPending && removeMember.variables?.userId === m.userId}
                      onClick={() => {
                        if (window.confirm(`Remove ${m.name} from ${teamName}?`)) removeMember.mutate({ teamId, userId: m.userId });
                      }}
                    >
                      Remove
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form
        noValidate
        aria-label="Add a member"
        className="grid items-end gap-3 border-t border-slate-100 pt-4 sm:grid-cols-[minmax(0,1fr)_8.5rem] xl:grid-cols-[minmax(0,1fr)_8.5rem_auto]"
        onSubmit={form.handleSubmit((values) => {
          setError(null);
          setMember.mutate({ teamId, ...values });
        })}
      >
        <Field label="Email" error={form.formState.errors.email?.message}>
          {({ id, describedBy }) => (
            <TextInput
              id={id}
              type="email"
              placeholder="name@company.com"
              aria-describedby={describedBy}
              aria-invalid={!!form.formState.errors.email}
              {...form.register("email")}
            />
          )}
        </Field>
        <Field label="Role">
          {({ id }) => (
            <Select id={id} {...form.register("role")}>
              {membershipRoles.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Button type="submit" busy={setMember.isPending}>
          Add member
        </Button>
      </form>
      {error && <ErrorNotice title="Membership not changed" message={error} />}
    </div>
  );
}
