import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInOptions } from "~/components/auth/sign-in-options";
import { isAdmin, isAuditor } from "~/server/auth/access";
import { safeCallbackPath } from "~/server/auth/callback-url";
import { movedFromOf, movedNotice } from "~/server/auth/canonical-host";
import { getViewer } from "~/server/auth/session";
import { db } from "~/server/db";
import { env } from "~/server/env";
import { listDemoUsers } from "~/server/services/users";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

const errorMessages: Record<string, string> = {
  CredentialsSignin: "That demo user does not exist or demo sign-in is turned off.",
  SignInThrottled: "Too many sign-in attempts from here or for this user. Wait a minute, then try again.",
  OidcNoEmail: "Your identity provider did not share an email address; Provisio needs one to match your teams.",
  OAuthSignin: "Could not reach the identity provider. Try again, or ask an admin to check the OIDC settings.",
  OAuthCallback: "The identity provider's answer could not be verified. Try signing in again.",
  AccessDenied: "Sign-in was refused.",
  SessionRequired: "Sign in to continue.",
};

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const params = await searchParams;
  // Only same-site paths: an open redirect would let a link send people elsewhere after sign-in.
  const callbackUrl = safeCallbackPath(params.callbackUrl);
  if (await getViewer()) redirect(callbackUrl);
  const config = env();
  const demoUsers = config.demoSignInEnabled ? await listDemoUsers(db()) : [];
  const moved = config.NEXTAUTH_URL ? movedNotice(movedFromOf(params), new URL(config.NEXTAUTH_URL).origin) : null;
  const error = params.error ? (errorMessages[params.error] ?? "Sign-in failed. Try again.") : null;

  return (
    <main className="grid min-h-screen place-items-center bg-gradient-to-br from-slate-50 via-white to-brand-50 px-4 py-12">
      <div className="w-full max-w-lg">
        <div className="mb-8 text-center">
          <div aria-hidden className="mx-auto mb-3 grid size-11 place-items-center rounded-xl bg-brand-600 text-lg font-semibold text-white">
            P
          </div>
          <h1 className="text-2xl font-semibold tracking-tight">Sign in to Provisio</h1>
          <p className="mt-1 text-sm text-slate-600">Request approved environments, review requests and track cost.</p>
        </div>
        {moved && (
          <div role="status" className="mb-4 rounded-md border border-brand-200 bg-brand-50 px-4 py-3 text-sm text-slate-800">
            {moved}
          </div>
        )}
        {error && (
          <div role="alert" className="mb-4 rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
            {error}
          </div>
        )}
        <SignInOptions
          callbackUrl={callbackUrl}
          oidc={config.oidcEnabled ? { name: config.OIDC_NAME } : null}
          demoUsers={demoUsers.map((u) => ({
            email: u.email,
            name: u.name,
            description: isAdmin(u)
              ? "Admin: curates the catalog, teams and budgets"
              : isAuditor(u)
                ? "Auditor: reads everything, changes nothing"
                : u.teams.map((t) => `${t.role === "approver" ? "Approver" : "Member"} in ${t.name}`).join(" · ") || "No team",
          }))}
        />
      </div>
    </main>
  );
}
