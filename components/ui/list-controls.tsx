"use client";

/** The controls every list page shares: whose items (tabs), a filter select with "Any …", a loading list. */
import type { ReactNode } from "react";
import { Field, Select, TextInput } from "./form";
import { Skeleton } from "./page";

export function ScopeTabs<S extends string>({
  label,
  scopes,
  value,
  onChange,
}: {
  label: string;
  scopes: readonly (readonly [S, string])[];
  value: S;
  onChange: (scope: S) => void;
}) {
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

/**
 * A list's filter bar: a search box first, then the page's filters. `columns` is the grid's
 * wide-screen template (a static class, so Tailwind sees it). Enter searches at once.
 */
export function FilterBar({
  label,
  columns,
  search,
  placeholder,
  onSearchChange,
  onSearch,
  children,
}: {
  label: string;
  columns: string;
  search: string;
  placeholder: string;
  onSearchChange: (value: string) => void;
  onSearch: () => void;
  children: ReactNode;
}) {
  return (
    <form
      role="search"
      aria-label={label}
      className={`grid gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm sm:grid-cols-2 ${columns}`}
      onSubmit={(e) => {
        e.preventDefault();
        onSearch();
      }}
    >
      <Field label="Search">
        {({ id }) => <TextInput id={id} type="search" placeholder={placeholder} value={search} onChange={(e) => onSearchChange(e.target.value)} />}
      </Field>
      {children}
    </form>
  );
}
