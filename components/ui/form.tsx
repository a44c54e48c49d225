"use client";

import { TRPCClientError } from "@trpc/client";
import type { FieldValues, Path, UseFormSetError } from "react-hook-form";
import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes } from "react";
import { forwardRef, useId } from "react";

export const inputClass =
  "block w-full min-w-0 max-w-full rounded-md border-0 bg-white px-3 py-2 text-sm text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-inset focus:ring-brand-500 aria-[invalid=true]:ring-red-400";

type FieldProps = { label: string; hint?: ReactNode; error?: string; children: (ids: { id: string; describedBy?: string }) => ReactNode };

/** A labelled control with hint and error, wired for screen readers (aria-describedby). */
export function Field({ label, hint, error, children }: FieldProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  return (
    // min-w-0: inside a grid or flex row a long option must not widen the page (390 px phones).
    <div className="min-w-0">
      <label htmlFor={id} className="mb-1 block text-sm font-medium text-slate-800">
        {label}
      </label>
      {children({ id, describedBy })}
      {hint && !error && (
        <p id={hintId} className="mt-1 text-xs text-slate-500">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="mt-1 text-xs font-medium text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}

export const TextInput = forwardRef<HTMLInputElement, InputHTMLAttributes<HTMLInputElement>>(function TextInput(props, ref) {
  return <input ref={ref} className={inputClass} {...props} />;
});

export const Select = forwardRef<HTMLSelectElement, SelectHTMLAttributes<HTMLSelectElement>>(function Select(props, ref) {
  return <select ref={ref} className={inputClass} {...props} />;
});

type ErrorData = { fieldErrors?: Record<string, string[] | undefined> | null; field?: string | null };

/**
 * Puts a server error next to the field it names (zod field errors or a service's field);
 * returns the message for a form-level alert when no field matches.
 */
export function applyServerError<T extends FieldValues>(error: unknown, setError: UseFormSetError<T>, fields: readonly string[]): string | null {
  if (!(error instanceof TRPCClientError)) return error instanceof Error ? error.message : "Request failed.";
  const data = (error.data ?? {}) as ErrorData;
  let placed = false;
  for (const [field, messages] of Object.entries(data.fieldErrors ?? {})) {
    if (fields.includes(field) && messages?.[0]) {
      setError(field as Path<T>, { message: messages[0] });
      placed = true;
    }
  }
  if (data.field && fields.includes(data.field)) {
    setError(data.field as Path<T>, { message: error.message });
    placed = true;
  }
  return placed ? null : error.message;
}
