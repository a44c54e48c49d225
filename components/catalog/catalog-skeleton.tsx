import { PageHeader, Skeleton } from "~/components/ui/page";

/** The catalog's shape while it loads: the real header, then placeholders for filters and cards. */
export function CatalogSkeleton() {
  return (
    <>
      <PageHeader
        title="Catalog"
        description="Approved environment templates you can request for your teams, with what they cost and who approves them."
      />
      <div role="status" aria-label="Loading templates" className="space-y-5">
        <div className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm sm:grid-cols-2 lg:grid-cols-[minmax(0,1fr)_11rem_9rem_11rem]">
          {[0, 1, 2, 3].map((i) => (
            <div key={i} className={`space-y-2 ${i === 0 || i === 3 ? "sm:col-span-2 lg:col-span-1" : ""}`}>
              <Skeleton className="h-4 w-20" />
              <Skeleton className="h-9 w-full" />
            </div>
          ))}
        </div>
        <Skeleton className="h-5 w-28" />
        <ul className="grid gap-4 sm:grid-cols-2 xl:grid-cols-3">
          {[0, 1, 2, 3, 4, 5].map((i) => (
            <li key={i} className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
              <div className="flex gap-3">
                <Skeleton className="size-10 shrink-0 rounded-lg" />
                <div className="flex-1 space-y-2">
                  <Skeleton className="h-4 w-2/3" />
                  <Skeleton className="h-3 w-1/2" />
                </div>
              </div>
              <div className="mt-4 space-y-2">
                <Skeleton className="h-3 w-full" />
                <Skeleton className="h-3 w-full" />
                <Skeleton className="h-3 w-3/4" />
              </div>
              <div className="mt-5 flex gap-1.5">
                <Skeleton className="h-5 w-10 rounded-full" />
                <Skeleton className="h-5 w-14 rounded-full" />
              </div>
              <Skeleton className="mt-5 h-4 w-40" />
            </li>
          ))}
        </ul>
      </div>
    </>
  );
}
