"use client";

/** The controls every list page shares: whose items (tabs), a filter select with "Any …", a loading list. */
import { Field, Select } from "./form";
import { Skeleton } from "./page";

export function ScopeTabs<S extends string>({ label, scopes, value, onChange }: { label: string; scopes: readonly (readonly [S, string])[]; value: S; onChange: (scope: S) => void }) {
  return (
    <div role="group" aria-label={label} className="flex gap-1 border-b border-slate-200">
      {scopes.map(([scope, text]) => (
        <button
          key={scope}
          type="button"
          aria-pressed={value === scope}
          onClick={() => onChange(scope)}
          className={`-mb-px border-b-2 px-3 py-2 text-sm font-medium ${value === scope ? "border-brand-600 text-brand-700" : "border-transparent text-slate-600 hover:text-slate-900"}`}
        >
          {text}
        </button>
      ))}
    </div>
  );
}

type Option<V extends string> = { value: V; label: string };

/** A labelled select whose empty choice ("Any status") means no filter: `onChange(null)`. */
export function FilterSelect<V extends string>({
  label,
  anyLabel,
  value,
  options,
  onChange,
}: {
  label: string;
  anyLabel: string;
  value: V | null;
  options: readonly (V | Option<V>)[];
  onChange: (value: V | null) => void;
}) {
  return (
    <Field label={label}>
      {({ id }) => (
        <Select id={id} value={value ?? ""} onChange={(e) => onChange((e.target.value || null) as V | null)}>
          <option value="">{anyLabel}</option>
          {options.map((o) => {
            const option = typeof o === "string" ? { value: o, label: o } : o;
            return (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            );
          })}
        </Select>
      )}
    </Field>
  );
}

export function ListSkeleton({ label, rows = 4 }: { label: string; rows?: number }) {
  return (
    <div role="status" aria-label={label} className="space-y-2">
      {Array.from({ length: rows }, (_, i) => (
        <Skeleton key={i} className="h-12 w-full" />
      ))}
    </div>
  );
}
