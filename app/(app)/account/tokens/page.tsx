import type { Metadata } from "next";
import { TokenLifetimeSetting } from "~/components/api-tokens/token-lifetime-setting";
import { TokenManager } from "~/components/api-tokens/token-manager";
import { PageHeader } from "~/components/ui/page";
import { isAdmin, personalTokenScopesFor } from "~/server/auth/access";
import { requireViewer } from "~/server/auth/guards";

export const metadata: Metadata = { title: "API tokens" };

export default async function AccountTokensPage() {
  const viewer = await requireViewer();
  return (
    <>
      <PageHeader
        title="API tokens"
        description={
          <>
            Personal tokens act as you in the REST API and the provisio CLI, never beyond your roles. See the{" "}
            <a className="text-brand-700 underline" href="/api-docs">
              API reference
            </a>
            .
          </>
        }
      />
      <TokenManager mode={{ kind: "personal", allowedScopes: personalTokenScopesFor(viewer) }} />
      {isAdmin(viewer) && (
        <div className="mt-6">
          <TokenLifetimeSetting />
        </div>
      )}
    </>
  );
}
