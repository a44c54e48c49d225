import Link from "next/link";
import { buttonClass } from "~/components/ui/button";

export default function EnvironmentNotFound() {
  return (
    <div className="mx-auto max-w-xl py-16 text-center">
      <p className="text-sm font-semibold text-brand-600">404</p>
      <h1 className="mt-2 text-2xl font-semibold tracking-tight">No such environment</h1>
      <p className="mt-3 text-sm text-slate-600">There is no environment with that id, or it belongs to a team you are not in.</p>
      <Link href="/environments" className={`${buttonClass("primary")} mt-6`}>
        Back to environments
      </Link>
    </div>
  );
}
