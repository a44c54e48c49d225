"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { useState, type FormEvent } from "react";
import { formatDateTime } from "~/components/format/time";
import { useTRPC } from "~/components/trpc/client";
import { Button } from "~/components/ui/button";
import { Field, Select, TextInput } from "~/components/ui/form";
import { Badge, Card, EmptyState, ErrorNotice, Skeleton } from "~/components/ui/page";
import { scopeMeaning, serviceTokenScopes, type TokenScope } from "~/server/schemas/api-tokens";
import { TokenReveal } from "./token-reveal";

type Mode = { kind: "personal"; allowedScopes: TokenScope[] } | { kind: "service"; teamId: string; teamName: string };

type FieldErrors = Record<string, string[] | undefined>;
const fieldErrorsOf = (error: unknown): FieldErrors =>
  error instanceof TRPCClientError ? (((error.data as { fieldErrors?: FieldErrors } | undefined)?.fieldErrors ?? {}) as FieldErrors) : {};

/** Personal tokens (account settings) or a team's service tokens (team settings): list, create (shown once), revoke. */
export function TokenManager({ mode }: { mode: Mode }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [revealed, setRevealed] = useState<{ token: string; name: string } | null>(null);
  const list = useQuery(
    mode.kind === "personal" ? trpc.apiTokens.listMine.queryOptions() : trpc.apiTokens.listTeam.queryOptions({ teamId: mode.teamId }),
  );
  const settings = useQuery(trpc.apiTokens.settings.queryOptions());
  const invalidate = () => queryClient.invalidateQueries(trpc.apiTokens.pathFilter());
  const onCreated = async (created: { token: string; name: string }) => {
    setRevealed({ token: created.token, name: created.name });
    await invalidate();
  };
  const createPersonal = useMutation(trpc.apiTokens.createPersonal.mutationOptions({ onSuccess: onCreated }));
  const createService = useMutation(trpc.apiTokens.createService.mutationOptions({ onSuccess: onCreated }));
  const revoke = useMutation(trpc.apiTokens.revoke.mutationOptions({ onSuccess: invalidate }));
  const create = mode.kind === "personal" ? createPersonal : createService;
  const allowed: readonly TokenScope[] = mode.kind === "personal" ? mode.allowedScopes : serviceTokenScopes;

  const [name, setName] = useState("");
  const [days, setDays] = useState("30");
  const [role, setRole] = useState<"member" | "approver">("member");
  const [scopes, setScopes] = useState<TokenScope[]>(["read"]);
  const errors = fieldErrorsOf(create.error);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const input = { name, scopes, expiresInDays: Number(days) };
    if (mode.kind === "personal") createPersonal.mutate(input);
    else createService.mutate({ ...input, teamId: mode.teamId, role });
  };
  const toggle = (scope: TokenScope) => setScopes((s) => (s.includes(scope) ? s.filter((x) => x !== scope) : [...s, scope]));

  return (
    <div className="space-y-6">
      {revealed && <TokenReveal {...revealed} onDone={() => setRevealed(null)} />}
      {list.isPending ? (
        <div role="status" aria-label="Loading tokens">
          <Skeleton className="h-24 w-full" />
        </div>
      ) : list.isError ? (
        <ErrorNotice title="Tokens could not be loaded" message={list.error.message} />
      ) : list.data.length === 0 ? (
        <EmptyState title="No tokens yet">
          {mode.kind === "personal"
            ? "A personal token lets scripts and the provisio CLI act as you, limited to the scopes you choose."
            : `A service token lets a pipeline act for ${mode.teamName} without a person's account.`}
        </EmptyState>
      ) : (
        <Card title="Tokens">
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <caption className="sr-only">API tokens</caption>
              <thead className="text-xs uppercase text-slate-500">
                <tr>
                  <th scope="col" className="pb-2 font-medium">
                    Name
                  </th>
                  <th scope="col" className="pb-2 font-medium">
                    Token
                  </th>
                  <th scope="col" className="pb-2 font-medium">
                    Scopes
                  </th>
                  <th scope="col" className="pb-2 font-medium">
                    Expires
                  </th>
                  <th scope="col" className="pb-2 font-medium">
                    Last used
                  </th>
                  <th scope="col" className="pb-2 font-medium">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {list.data.map((t) => (
                  <tr key={t.id}>
                    <td className="py-2.5 font-medium">
                      {t.name}
                      {t.teamRole && <span className="ml-1 text-xs text-slate-500">({t.teamRole})</span>}
                    </td>
                    <td className="py-2.5 font-mono text-xs">{t.prefix}…</td>
                    <td className="py-2.5">{t.scopes.join(", ")}</td>
                    <td className="py-2.5">{formatDateTime(t.expiresAt)}</td>
                    <td className="py-2.5">
                      {t.lastUsedAt ? `${formatDateTime(t.lastUsedAt)}${t.lastUsedIp ? ` from ${t.lastUsedIp}` : ""}` : "never"}
                    </td>
                    <td className="py-2.5 text-right">
                      {t.revokedAt ? (
                        <Badge tone="red">revoked</Badge>
                      ) : (
                        <Button
                          variant="secondary"
                          busy={revoke.isPending && revoke.variables?.tokenId === t.id}
                          onClick={() => revoke.mutate({ tokenId: t.id })}
                        >
                          Revoke<span className="sr-only"> {t.name}</span>
                        </Button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Card>
      )}
      <Card title={mode.kind === "personal" ? "Create a personal token" : "Create a service token"}>
        <form onSubmit={submit} className="grid gap-4 sm:grid-cols-2" aria-label="Create a token">
          <Field label="Name" hint="Where it is used, e.g. “GitHub Actions”" error={errors.name?.[0]}>
            {({ id, describedBy }) => (
              <TextInput
                id={id}
                aria-describedby={describedBy}
                aria-invalid={!!errors.name}
                value={name}
                onChange={(e) => setName(e.target.value)}
                required
              />
            )}
          </Field>
          <Field
            label="Expires in (days)"
            hint={settings.data ? `At most ${settings.data.maxTokenDays} days (set by the admins)` : undefined}
            error={errors.expiresInDays?.[0]}
          >
            {({ id, describedBy }) => (
              <TextInput
                id={id}
                type="number"
                min={1}
                aria-describedby={describedBy}
                aria-invalid={!!errors.expiresInDays}
                value={days}
                onChange={(e) => setDays(e.target.value)}
                required
              />
            )}
          </Field>
          {mode.kind === "service" && (
            <Field label="Role in the team" hint="Approvers may also look after every environment of the team (a token never approves).">
              {({ id, describedBy }) => (
                <Select id={id} aria-describedby={describedBy} value={role} onChange={(e) => setRole(e.target.value as "member" | "approver")}>
                  <option value="member">member</option>
                  <option value="approver">approver</option>
                </Select>
              )}
            </Field>
          )}
          <fieldset className="sm:col-span-2" aria-describedby={errors.scopes ? "scopes-error" : undefined}>
            <legend className="mb-1 text-sm font-medium text-slate-800">Scopes</legend>
            <ul className="space-y-1">
              {allowed.map((scope) => (
                <li key={scope}>
                  <label className="flex items-start gap-2 text-sm">
                    <input type="checkbox" className="mt-0.5" checked={scopes.includes(scope)} onChange={() => toggle(scope)} />
                    <span>
                      <span className="font-medium">{scope}</span>: {scopeMeaning[scope]}
                    </span>
                  </label>
                </li>
              ))}
            </ul>
            {errors.scopes && (
              <p id="scopes-error" className="mt-1 text-xs font-medium text-red-700">
                {errors.scopes[0]}
              </p>
            )}
          </fieldset>
          {create.error && Object.keys(errors).length === 0 && (
            <div className="sm:col-span-2">
              <ErrorNotice title="The token was not created" message={create.error.message} />
            </div>
          )}
          <div className="sm:col-span-2">
            <Button type="submit" busy={create.isPending}>
              Create token
            </Button>
          </div>
        </form>
      </Card>
    </div>
  );
}
