"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { Button, buttonClass } from "~/components/ui/button";
import { Field, Select, TextInput } from "~/components/ui/form";
import { auditFilterQueryString, type AuditFilter } from "~/server/schemas/audit";

export type AuditFacets = {
  actions: string[];
  actionPrefixes: string[];
  subjectTypes: string[];
  actors: { id: string; name: string; email: string }[];
  teams: { id: string; name: string; slug: string }[];
};

type Values = Required<Record<keyof AuditFilter, string>>;
const datePattern = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The audit log's filter as a form whose state is the URL: applying it navigates to
 * /audit?…, so a filtered view can be bookmarked and shared, and Back steps through filters.
 * Without JavaScript it is a plain GET form to the same address.
 */
export function AuditFilterBar({
  values: initial,
  facets,
  errors,
}: {
  values: Partial<Record<keyof AuditFilter, string>>;
  facets: AuditFacets;
  errors: Partial<Record<keyof AuditFilter, string>>;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [values, setValues] = useState<Values>({
    actorId: initial.actorId ?? "",
    action: initial.action ?? "",
    subjectType: initial.subjectType ?? "",
    teamId: initial.teamId ?? "",
    correlationId: initial.correlationId ?? "",
    from: initial.from ?? "",
    to: initial.to ?? "",
  });
  const set = (key: keyof AuditFilter) => (e: { target: { value: string } }) => setValues((v) => ({ ...v, [key]: e.target.value }));
  const go = (filter: AuditFilter) => startTransition(() => router.push(`/audit${auditFilterQueryString(filter)}`));
  const hasAny = Object.values(values).some((v) => v.trim() !== "");
  // A value from the URL that is not in the lists (e.g. an actor with no events) stays selectable.
  const keep = (value: string, known: string[]) => (value && !known.includes(value) ? [value] : []);

  const control = (key: keyof AuditFilter) => ({
    name: key,
    value: values[key],
    onChange: set(key),
    "aria-invalid": errors[key] ? true : undefined,
  });

  return (
    <form
      role="search"
      aria-label="Filter audit events"
      method="get"
      action="/audit"
      className="grid grid-cols-1 gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm sm:grid-cols-2 lg:grid-cols-4"
      onSubmit={(e) => {
        e.preventDefault();
        go(values);
      }}
    >
      <Field label="Actor" error={errors.actorId}>
        {({ id, describedBy }) => (
          <Select id={id} aria-describedby={describedBy} {...control("actorId")}>
            <option value="">Anyone</option>
            <option value="system">System (sync, worker)</option>
            {facets.actors.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} ({a.email})
              </option>
            ))}
            {keep(values.actorId, ["system", ...facets.actors.map((a) => a.id)]).map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </Select>
        )}
      </Field>
      <Field label="Action" hint="Exact, or a prefix ending in '.' such as template." error={errors.action}>
        {({ id, describedBy }) => (
          <>
            <TextInput
              id={id}
              list={`${id}-actions`}
              placeholder="Any action"
              autoComplete="off"
              spellCheck={false}
              maxLength={80}
              aria-describedby={describedBy}
              {...control("action")}
            />
            <datalist id={`${id}-actions`}>
              {[...facets.actionPrefixes, ...facets.actions].map((a) => (
                <option key={a} value={a} />
              ))}
            </datalist>
          </>
        )}
      </Field>
      <Field label="Subject type" error={errors.subjectType}>
        {({ id, describedBy }) => (
          <Select id={id} aria-describedby={describedBy} {...control("subjectType")}>
            <option value="">Any subject</option>
            {[...facets.subjectTypes, ...keep(values.subjectType, facets.subjectTypes)].map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </Select>
        )}
      </Field>
      <Field label="Team" error={errors.teamId}>
        {({ id, describedBy }) => (
          <Select id={id} aria-describedby={describedBy} {...control("teamId")}>
            <option value="">Any team</option>
            {facets.teams.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
            {keep(
              values.teamId,
              facets.teams.map((t) => t.id),
            ).map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </Select>
        )}
      </Field>
      <div className="sm:col-span-2">
        <Field label="Correlation id" hint="A request's id shows its whole timeline" error={errors.correlationId}>
          {({ id, describedBy }) => (
            <TextInput id={id} autoComplete="off" spellCheck={false} maxLength={200} aria-describedby={describedBy} {...control("correlationId")} />
          )}
        </Field>
      </div>
      <Field label="From (UTC)" error={errors.from}>
        {({ id, describedBy }) => (
          <TextInput
            id={id}
            type={values.from === "" || datePattern.test(values.from) ? "date" : "text"}
            aria-describedby={describedBy}
            {...control("from")}
          />
        )}
      </Field>
      <Field label="To (UTC)" hint="Includes the whole day" error={errors.to}>
        {({ id, describedBy }) => (
          <TextInput
            id={id}
            type={values.to === "" || datePattern.test(values.to) ? "date" : "text"}
            aria-describedby={describedBy}
            {...control("to")}
          />
        )}
      </Field>
      <div className="flex flex-wrap items-center gap-2 sm:col-span-2 lg:col-span-4">
        <Button type="submit" busy={pending}>
          Apply filters
        </Button>
        {hasAny && (
          <a
            href="/audit"
            className={buttonClass("ghost")}
            onClick={(e) => {
              e.preventDefault();
              setValues({ actorId: "", action: "", subjectType: "", teamId: "", correlationId: "", from: "", to: "" });
              go({});
            }}
          >
            Clear filters
          </a>
        )}
      </div>
    </form>
  );
}
