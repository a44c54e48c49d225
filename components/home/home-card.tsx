import Link from "next/link";
import type { ReactNode } from "react";

/** One card of the home page: a titled region, a link to the page it summarises, its rows or an empty state. */
export function HomeCard({
  title,
  href,
  linkText,
  empty,
  children,
}: {
  title: string;
  href: string;
  linkText: string;
  /** Shown instead of the rows when there are none. */
  empty: ReactNode | null;
  children?: ReactNode;
}) {
  return (
    <section aria-label={title} className="flex min-w-0 flex-col rounded-lg border border-slate-200 bg-white shadow-sm">
      <div className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-100 px-5 py-3">
        <h2 className="text-sm font-semibold text-slate-800">{title}</h2>
        {/* An API answer (the health check) is not a page: a plain link, no client navigation. */}
        {href.startsWith("/api/") ? (
          <a href={href} className="text-sm font-medium text-brand-700 hover:underline">
            {linkText} <span aria-hidden>→</span>
          </a>
        ) : (
          <Link href={href} className="text-sm font-medium text-brand-700 hover:underline">
            {linkText} <span aria-hidden>→</span>
          </Link>
        )}
      </div>
      <div className="flex-1 p-5">{empty ? <p className="text-sm text-slate-600">{empty}</p> : children}</div>
    </section>
  );
}

/** A row of a card's list: the main link on the left, facts on the right, wrapping on a phone. */
export function HomeRow({ href, title, meta, aside }: { href: string; title: ReactNode; meta?: ReactNode; aside?: ReactNode }) {
  return (
    <li className="flex flex-wrap items-start justify-between gap-x-4 gap-y-1 py-2.5 first:pt-0 last:pb-0">
      <div className="min-w-0">
        <Link href={href} className="break-all font-medium text-brand-700 hover:underline">
          {title}
        </Link>
        {meta && <p className="mt-0.5 text-xs text-slate-600">{meta}</p>}
      </div>
      {aside && <div className="flex shrink-0 flex-wrap items-center gap-2 text-sm text-slate-700">{aside}</div>}
    </li>
  );
}
