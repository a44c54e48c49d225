"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useId, useMemo, useState, type ReactNode } from "react";
import { useForm, type Resolver, type UseFormReturn } from "react-hook-form";
import { inputClass } from "~/components/ui/form";
import { parameterDefaults, parameterValuesSchema, type ParameterSpec, type ParameterValue } from "~/server/schemas/template-parameters";

/** What the form holds: a value per parameter name (undefined while an optional one is empty). */
export type ParameterFormValues = Record<string, ParameterValue | undefined>;

/**
 * A react-hook-form form for a template's parameters, validated as you type with the same zod
 * schema the server applies (`parameterValuesSchema`). Remount it (key) when the parameters change.
 */
export function useParameterForm(parameters: readonly ParameterSpec[], values?: Partial<ParameterFormValues>): UseFormReturn<ParameterFormValues> {
  const resolver = useMemo(() => zodResolver(parameterValuesSchema(parameters)) as unknown as Resolver<ParameterFormValues>, [parameters]);
  return useForm<ParameterFormValues>({
    resolver,
    mode: "onChange",
    defaultValues: { ...emptyValues(parameters), ...parameterDefaults(parameters), ...values },
  });
}

function emptyValues(parameters: readonly ParameterSpec[]): ParameterFormValues {
  return Object.fromEntries(parameters.map((p) => [p.name, p.type === "boolean" ? false : p.type === "string" && !p.enum ? "" : undefined]));
}

function constraintHint(p: ParameterSpec): string | null {
  if (p.type === "integer" || p.type === "number") {
    if (p.enum) return null;
    const unit = p.unit ? ` ${p.unit}` : "";
    const whole = p.type === "integer" ? "A whole number" : "A number";
    if (p.minimum !== undefined && p.maximum !== undefined) return `${whole} from ${p.minimum} to ${p.maximum}${unit}.`;
    if (p.minimum !== undefined) return `${whole}, at least ${p.minimum}${unit}.`;
    if (p.maximum !== undefined) return `${whole}, at most ${p.maximum}${unit}.`;
    return p.type === "integer" ? "A whole number." : null;
  }
  if (p.type === "string" && !p.enum) {
    if (p.pattern) return p.patternHelp ? `Format: ${p.patternHelp}.` : `Format: ${p.pattern}`;
    if (p.maxLength) return `At most ${p.maxLength} characters.`;
  }
  return null;
}

/** "Instances at most 20", "Service name: 3–31 lowercase letters…": the message reads as a sentence about the field. */
function errorText(title: string, message: string): string {
  return /^(is|must|may|at|cannot|needs) /.test(message) ? `${title} ${message}` : `${title}: ${message}`;
}

const optionalMark = <span className="ml-1.5 text-xs font-normal text-slate-500">(optional)</span>;

/** One parameter as a labelled control: text, number (with unit), select (enum) or checkbox. */
function ParameterField({ parameter: p, form }: { parameter: ParameterSpec; form: UseFormReturn<ParameterFormValues> }) {
  const id = useId();
  const error = form.formState.errors[p.name]?.message;
  const hint = constraintHint(p);
  const helpId = p.help ? `${id}-help` : undefined;
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [helpId, hintId, errorId].filter(Boolean).join(" ") || undefined;
  const optional = !p.required && p.default === undefined;
  const common = { id, "aria-describedby": describedBy, "aria-invalid": error ? true : undefined } as const;

  const descriptions = (
    <>
      {p.help && (
        <p id={helpId} className="mt-1 text-xs text-slate-600">
          {p.help}
        </p>
      )}
      {hint && (
        <p id={hintId} className="mt-1 text-xs text-slate-500">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="mt-1 text-xs font-medium text-red-700">
          {errorText(p.title, error)}
        </p>
      )}
    </>
  );

  if (p.type === "boolean") {
    return (
      <div>
        <div className="flex items-start gap-2.5">
          <input type="checkbox" className="mt-0.5 size-4 rounded border-slate-300 text-brand-600 accent-brand-600" {...common} {...form.register(p.name)} />
          <label htmlFor={id} className="text-sm font-medium text-slate-800">
            {p.title}
          </label>
        </div>
        <div className="pl-6.5">{descriptions}</div>
      </div>
    );
  }

  let control: ReactNode;
  if (p.enum) {
    const allowed = p.enum;
    control = (
      <select
        className={inputClass}
        {...common}
        {...form.register(p.name, { setValueAs: (v: string) => (v === "" ? undefined : (allowed.find((a) => String(a) === v) ?? v)) })}
      >
        {p.default === undefined && <option value="">{optional ? "None" : "Choose…"}</option>}
        {allowed.map((value) => (
          <option key={String(value)} value={String(value)}>
            {String(value)}
            {p.unit ? ` ${p.unit}` : ""}
          </option>
        ))}
      </select>
    );
  } else if (p.type === "integer" || p.type === "number") {
    control = (
      <div className="flex items-center gap-2">
        <input
          type="number"
          inputMode={p.type === "integer" ? "numeric" : "decimal"}
          step={p.type === "integer" ? 1 : "any"}
          min={p.minimum}
          max={p.maximum}
          className={`${inputClass} max-w-40`}
          {...common}
          {...form.register(p.name, { setValueAs: (v: unknown) => (v === "" || v === undefined || v === null ? undefined : Number(v)) })}
        />
        {p.unit && <span className="text-sm text-slate-600">{p.unit}</span>}
      </div>
    );
  } else {
    control = (
      <input
        type="text"
        autoComplete="off"
        spellCheck={false}
        maxLength={p.maxLength}
        className={inputClass}
        {...common}
        {...form.register(p.name, { setValueAs: (v: unknown) => (v === "" && optional ? undefined : v) })}
      />
    );
  }

  return (
    <div>
      <label htmlFor={id} className="mb-1 block text-sm font-medium text-slate-800">
        {p.title}
        {optional && optionalMark}
      </label>
      {control}
      {descriptions}
    </div>
  );
}

/** The parameter controls alone, for a form that also holds other fields (e.g. the request form). */
export function ParameterFields({ parameters, form }: { parameters: readonly ParameterSpec[]; form: UseFormReturn<ParameterFormValues> }) {
  if (parameters.length === 0) return <p className="text-sm text-slate-600">This template has no parameters: every request gets the same environment.</p>;
  return (
    <div className="space-y-4">
      {parameters.map((p) => (
        <ParameterField key={p.name} parameter={p} form={form} />
      ))}
    </div>
  );
}

type ParameterFormProps = {
  parameters: readonly ParameterSpec[];
  /** The form's accessible name. */
  label: string;
  values?: Partial<ParameterFormValues>;
  /** Called with the validated values (defaults applied). Without it the button only checks the values. */
  onSubmit?: (values: ParameterFormValues) => void;
  submitLabel?: string;
};

/** The parameter form as a requester sees it: generated from the template's parameters, checked as you type. */
export function ParameterForm({ parameters, label, values, onSubmit, submitLabel = "Check values" }: ParameterFormProps) {
  const form = useParameterForm(parameters, values);
  const [checked, setChecked] = useState<"valid" | null>(null);
  const statusId = useId();
  return (
    <form
      noValidate
      aria-label={label}
      onChange={() => setChecked(null)}
      onSubmit={form.handleSubmit((valid) => {
        setChecked("valid");
        onSubmit?.(valid);
      })}
      className="space-y-5"
    >
      <ParameterFields parameters={parameters} form={form} />
      {parameters.length > 0 && (
        <div className="flex flex-wrap items-center gap-3 border-t border-slate-100 pt-4">
          <button
            type="submit"
            className="rounded-md bg-white px-3 py-1.5 text-sm font-medium text-slate-800 shadow-sm ring-1 ring-inset ring-slate-300 hover:bg-slate-50"
            aria-describedby={statusId}
          >
            {submitLabel}
          </button>
          <p id={statusId} role="status" className="text-sm text-emerald-700">
            {checked === "valid" ? "These values are valid." : ""}
          </p>
        </div>
      )}
    </form>
  );
}
