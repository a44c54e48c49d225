"use client";

import { signIn } from "next-auth/react";
import { useState } from "react";
import { Spinner } from "~/components/ui/button";

type DemoUser = { email: string; name: string; description: string };

export function SignInOptions({ callbackUrl, oidc, demoUsers }: { callbackUrl: string; oidc: { name: string } | null; demoUsers: DemoUser[] }) {
  const [pending, setPending] = useState<string | null>(null);

  return (
    <div className="space-y-6">
      {oidc && (
        <div className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
          <button
            type="button"
            disabled={pending !== null}
            onClick={() => {
              setPending("oidc");
              void signIn("oidc", { callbackUrl });
            }}
            className="flex w-full items-center justify-center gap-2 rounded-md bg-slate-900 px-4 py-2.5 text-sm font-medium text-white hover:bg-slate-800 disabled:opacity-60"
          >
            {pending === "oidc" ? <Spinner /> : null}
            Sign in with {oidc.name}
          </button>
        </div>
      )}
      {demoUsers.length > 0 && (
        <section aria-labelledby="demo-heading" className="rounded-lg border border-slate-200 bg-white shadow-sm">
          <div className="border-b border-slate-100 px-5 py-3">
            <h2 id="demo-heading" className="text-sm font-semibold text-slate-800">
              Demo sign-in
            </h2>
            <p className="text-xs text-slate-500">Pick a seeded user to explore each role. Turned off when single sign-on is configured.</p>
          </div>
          <ul className="divide-y divide-slate-100">
            {demoUsers.map((user) => (
              <li key={user.email}>
                <button
                  type="button"
                  disabled={pending !== null}
                  aria-label={`Sign in as ${user.name} (${user.email})`}
                  onClick={() => {
                    setPending(user.email);
                    void signIn("demo", { email: user.email, callbackUrl });
                  }}
                  className="flex w-full items-center justify-between gap-4 px-5 py-3 text-left hover:bg-slate-50 disabled:opacity-60"
                >
                  <span>
                    <span className="block text-sm font-medium text-slate-900">{user.name}</span>
                    <span className="block text-xs text-slate-500">
                      {user.email} · {user.description}
                    </span>
                  </span>
                  {pending === user.email ? (
                    <Spinner />
                  ) : (
                    <span aria-hidden className="text-slate-400">
                      →
                    </span>
                  )}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      {!oidc && demoUsers.length === 0 && (
        <p role="alert" className="rounded-md border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900">
          No sign-in method is available. An administrator must configure OpenID Connect (OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET).
        </p>
      )}
    </div>
  );
}
