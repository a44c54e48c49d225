import Link from "next/link";
import { buttonClass } from "~/components/ui/button";

export default function Forbidden() {
  return (
    <div className="mx-auto max-w-xl py-16 text-center" role="alert" aria-labelledby="forbidden-title">
      <p className="text-sm font-semibold text-red-600">403 · Not allowed</p>
      <h1 id="forbidden-title" className="mt-2 text-2xl font-semibold tracking-tight">
        You are not allowed to open this page
      </h1>
      <p className="mt-3 text-sm text-slate-600">
        This page needs a role you do not have. Your roles are listed on your account page; an admin can change them.
      </p>
      <div className="mt-6 flex justify-center gap-3">
        <Link href="/catalog" className={buttonClass("primary")}>
          Back to the catalog
        </Link>
        <Link href="/account" className={buttonClass("secondary")}>
          See my roles
        </Link>
      </div>
    </div>
  );
}
