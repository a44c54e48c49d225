import Link from "next/link";
import { buttonClass } from "~/components/ui/button";

export default function TemplateNotFound() {
  return (
    <div className="mx-auto max-w-xl py-16 text-center">
      <p className="text-sm font-semibold text-brand-600">404</p>
      <h1 className="mt-2 text-2xl font-semibold tracking-tight">No such template</h1>
      <p className="mt-3 text-sm text-slate-600">There is no template by that name in the catalog. It may have been renamed, or never published.</p>
      <Link href="/catalog" className={`${buttonClass("primary")} mt-6`}>
        Browse the catalog
      </Link>
    </div>
  );
}
