import type { ReactNode } from "react";

/** A success message after an action, e.g. on the page a publish redirected to. */
export function SuccessNotice({ children }: { children: ReactNode }) {
  return (
    <div role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm font-medium text-emerald-800">
      {children}
    </div>
  );
}
