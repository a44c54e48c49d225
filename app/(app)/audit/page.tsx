import type { Metadata } from "next";
import { UsersTable } from "~/components/admin/users-table";
import { AuditFilterBar } from "~/components/audit/audit-filter-bar";
import { AuditLog } from "~/components/audit/audit-log";
import { buttonClass } from "~/components/ui/button";
import { Card, ErrorNotice, PageHeader } from "~/components/ui/page";
import { serverApi } from "~/server/api/caller";
import { isAdmin } from "~/server/auth/access";
import { requireViewer } from "~/server/auth/guards";
import { auditExportCap, auditFilterQueryString, isAuditFiltered, parseAuditFilterParams } from "~/server/schemas/audit";

export const metadata: Metadata = { title: "Audit" };

type SearchParams = Record<string, string | string[] | undefined>;

const paramsOf = (search: SearchParams) => ({
  get: (name: string) => {
    const value = search[name];
    return (Array.isArray(value) ? value[0] : value) ?? null;
  },
});

export default async function AuditPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const viewer = await requireViewer(); // access checked in layout.tsx
  const parsed = parseAuditFilterParams(paramsOf(await searchParams));
  const api = await serverApi();
  const [facets, page, users] = await Promise.all([
    api.audit.facets(),
    parsed.ok ? api.audit.list({ ...parsed.filter, limit: 50 }) : null,
    api.users.list(),
  ]);
  const query = parsed.ok ? auditFilterQueryString(parsed.filter) : "";
  return (
    <>
      <PageHeader
        title="Audit"
        description="Every state change, newest first: who did what, when, and what it changed. The log is append-only; nobody can edit or delete an entry."
        actions={
          parsed.ok && (
            <a
              href={`/api/audit/export${query}`}
              download
              className={buttonClass("secondary")}
              title={`The events of the current filter as CSV, newest first, at most ${auditExportCap.toLocaleString("en-US")} rows`}
            >
              Export CSV
            </a>
          )
        }
      />
      <div className="space-y-6">
        <AuditFilterBar key={query} values={parsed.ok ? parsed.filter : parsed.raw} facets={facets} errors={parsed.ok ? {} : parsed.fieldErrors} />
        {parsed.ok && page ? (
          <section aria-label="Events" className="space-y-2">
            <AuditLog
              key={query}
              filter={parsed.filter}
              filtered={isAuditFiltered(parsed.filter)}
              initial={page}
              now={new Date()}
              isAdmin={isAdmin(viewer)}
            />
            <p className="text-xs text-slate-500">
              Export CSV holds the events of the current filter, newest first, at most {auditExportCap.toLocaleString("en-US")} rows; narrow the dates
              for older ones.
            </p>
          </section>
        ) : (
          <ErrorNotice title="Some filters are not valid" message="Correct the fields marked above and apply the filters again." />
        )}
        <Card title={`Users (${users.length})`}>
          <UsersTable users={users} viewerId={viewer.id} editable={false} />
        </Card>
      </div>
    </>
  );
}
