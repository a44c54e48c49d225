"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { formatDateTime } from "~/components/format/time";
import { useTRPC } from "~/components/trpc/client";
import { ErrorNotice } from "~/components/ui/page";
import { globalRoles } from "~/server/schemas/teams";

type Row = { id: string; email: string; name: string; globalRole: (typeof globalRoles)[number] | null; teamCount: number; lastSignInAt: Date | null };

export function UsersTable({ users, viewerId, editable }: { users: Row[]; viewerId: string; editable: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const setRole = useMutation(
    trpc.users.setGlobalRole.mutationOptions({
      onSuccess: () => {
        setError(null);
        router.refresh();
      },
      onError: (e) => setError(e.message),
    }),
  );
  return (
    <div className="space-y-4">
      {error && <ErrorNotice title="Role not changed" message={error} />}
      <div className="overflow-x-auto" tabIndex={0} role="region" aria-label="Users table">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Users</caption>
          <thead className="text-xs uppercase text-slate-500">
            <tr>
              <th scope="col" className="pb-2 font-medium">
                Person
              </th>
              <th scope="col" className="pb-2 font-medium">
                Global role
              </th>
              <th scope="col" className="pb-2 text-right font-medium">
                Teams
              </th>
              <th scope="col" className="pb-2 text-right font-medium">
                Last sign-in
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {users.map((u) => (
              <tr key={u.id}>
                <td className="py-2.5">
                  <span className="block font-medium">{u.name}</span>
                  <span className="block text-xs text-slate-500">{u.email}</span>
                </td>
                <td className="py-2.5">
                  {editable ? (
                    <>
                      <label className="sr-only" htmlFor={`global-role-${u.id}`}>
                        Global role of {u.name}
                      </label>
                      <select
                        id={`global-role-${u.id}`}
                        className="rounded-md border-0 py-1 pl-2 pr-8 text-sm ring-1 ring-inset ring-slate-300"
                        value={u.globalRole ?? ""}
                        disabled={setRole.isPending || u.id === viewerId}
                        title={u.id === viewerId ? "You cannot change your own global role" : undefined}
                        onChange={(e) => setRole.mutate({ userId: u.id, globalRole: (e.target.value || null) as Row["globalRole"] })}
                      >
                        <option value="">none</option>
                        {globalRoles.map((r) => (
                          <option key={r} value={r}>
                            {r}
                          </option>
                        ))}
                      </select>
                    </>
                  ) : (
                    (u.globalRole ?? "none")
                  )}
                </td>
                <td className="py-2.5 text-right tabular-nums">{u.teamCount}</td>
                <td className="py-2.5 text-right text-slate-600">{u.lastSignInAt ? formatDateTime(u.lastSignInAt) : "never"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
