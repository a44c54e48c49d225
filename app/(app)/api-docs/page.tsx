import type { Metadata } from "next";
import Link from "next/link";
import { ApiReference, type OpenApiDocument } from "~/components/api-docs/api-reference";
import { PageHeader } from "~/components/ui/page";
import { openApiDocument } from "~/server/api/rest/openapi";
import { requireViewer } from "~/server/auth/guards";

export const metadata: Metadata = { title: "API reference" };

/** The REST API's reference, rendered from the same OpenAPI document /api/v1/openapi.json serves. */
export default async function ApiDocsPage() {
  await requireViewer();
  const document = openApiDocument() as unknown as OpenApiDocument;
  return (
    <>
      <PageHeader
        title="API reference"
        description={
          <>
            {document.info.description} Create a token under{" "}
            <Link href="/account/tokens" className="text-brand-700 underline">
              API tokens
            </Link>
            ; the CLI is <code>npx provisio</code>.
          </>
        }
      />
      <ApiReference document={document} />
    </>
  );
}
