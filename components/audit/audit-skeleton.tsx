import { PageHeader, Skeleton } from "~/components/ui/page";

/** The audit page's shape while it loads: the real header, the filter bar and table rows as placeholders. */
export function AuditSkeleton() {
  return (
    <>
      <PageHeader
        title="Audit"
        description="Every state change, newest first: who did what, when, and what it changed. The log is append-only; nobody can edit or delete an entry."
      />
      <div role="status" aria-label="Loading audit events" className="space-y-6">
        <div className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm sm:grid-cols-2 lg:grid-cols-4">
          {[0, 1, 2, 3, 4, 5, 6].map((i) => (
            <div key={i} className={`space-y-2 ${i === 4 ? "sm:col-span-2" : ""}`}>
              <Skeleton className="h-4 w-24" />
              <Skeleton className="h-9 w-full" />
            </div>
          ))}
        </div>
        <div className="space-y-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
          {[0, 1, 2, 3, 4, 5, 6, 7].map((i) => (
            <Skeleton key={i} className="h-9 w-full" />
          ))}
        </div>
      </div>
    </>
  );
}
