"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { keepPreviousData, skipToken, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useId, useMemo, useRef, useState } from "react";
import { useForm, useWatch, type ErrorOption, type Resolver } from "react-hook-form";
import { z } from "zod";
import { plural } from "~/components/format/plural";
import { formatHours } from "~/components/format/time";
import { ParameterFields, useParameterForm, type ParameterFormValues } from "~/components/templates/parameter-form";
import { useTRPC } from "~/components/trpc/client";
import { Button, buttonClass } from "~/components/ui/button";
import { applyServerError, Field, inputClass, Select, TextInput } from "~/components/ui/form";
import { ErrorNotice } from "~/components/ui/page";
import { environmentName as environmentNameSchema, submitRequestInput } from "~/server/schemas/requests";
import { parameterValuesSchema, type ParameterValues } from "~/server/schemas/template-parameters";
import type { Tier } from "~/server/templates/format";
import { outcomeSentence } from "./decision";
import { PreviewPanel } from "./preview-panel";
import { DraftTerraformPlan } from "./terraform-plan";
import type { FormTemplate, PreviewInput, TeamOption } from "./types";

type TtlUnit = "days" | "hours";

type MainValues = {
  teamId: string;
  tier: Tier;
  environmentName: string;
  ttlAmount: number | undefined;
  ttlUnit: TtlUnit;
  justification: string;
};

const mainFieldNames = ["teamId", "tier", "environmentName", "ttlAmount", "justification"] as const;
const previewDelayMs = 300;
/** The server's ceiling for any lifetime (two years); the tier's own maximum is usually lower. */
const absoluteMaxHours = 24 * 730;

export type EditedRequest = {
  id: string;
  label: string;
  version: number;
  team: TeamOption;
  tier: Tier;
  environmentName: string;
  ttlHours: number;
  parameters: Partial<ParameterFormValues>;
  justification: string;
  /** Live approvals the edit will clear. */
  liveApprovals: number;
};

type Props = { template: FormTemplate } & ({ mode: "new"; teams: TeamOption[]; defaultTeamId?: string } | { mode: "edit"; request: EditedRequest });

function toHours(amount: number | undefined, unit: TtlUnit): number | null {
  if (amount === undefined || !Number.isInteger(amount) || amount < 1) return null;
  return unit === "days" ? amount * 24 : amount;
}

/** 72 → 3 days, 36 → 36 hours: the unit a lifetime reads best in. */
function splitHours(hours: number): { ttlAmount: number; ttlUnit: TtlUnit } {
  return hours % 24 === 0 ? { ttlAmount: hours / 24, ttlUnit: "days" } : { ttlAmount: hours, ttlUnit: "hours" };
}

function useDebounced<T>(value: T, delayMs: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return debounced;
}

/** A v4 uuid, also where crypto.randomUUID is missing (plain http on a LAN address). */
export function newUuid(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The request form, for a new request or an edit of a pending one: team, tier, name, lifetime,
 * the template's parameters and a justification, with a live preview of the plan, cost, budget,
 * quotas and policy decision beside it (the server's own evaluation, debounced).
 */
export function RequestForm(props: Props) {
  const { template } = props;
  const editing = props.mode === "edit" ? props.request : null;
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const formId = useId();
  const submitHelpId = useId();
  const clientRequestId = useRef<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);

  const firstTier = template.tiers[0] ?? "dev";
  const initialTier = editing?.tier ?? firstTier;
  const initialHours = editing?.ttlHours ?? template.ttl[initialTier]?.defaultHours ?? 72;

  const baseResolver = useMemo(
    () =>
      zodResolver(
        z.object({
          teamId: z.uuid({ error: "choose a team" }),
          tier: z.enum(template.tiers as [Tier, ...Tier[]], { error: `choose one of: ${template.tiers.join(", ")}` }),
          environmentName: environmentNameSchema,
          ttlAmount: z.number({ error: "enter a number" }).int("whole numbers only").min(1, "at least 1"),
          ttlUnit: z.enum(["days", "hours"]),
          justification: submitRequestInput.shape.justification,
        }),
      ) as unknown as Resolver<MainValues>,
    [template.tiers],
  );
  // The tier's maximum lifetime, checked next to the field (the policy would deny it anyway).
  const resolver = useMemo<Resolver<MainValues>>(
    () => async (values, context, options) => {
      const result = await baseResolver(values, context, options);
      const bounds = template.ttl[values.tier];
      const hours = toHours(values.ttlAmount, values.ttlUnit);
      const max = Math.min(bounds?.maxHours ?? absoluteMaxHours, absoluteMaxHours);
      if (hours !== null && hours > max && !result.errors.ttlAmount) {
        return { values: {}, errors: { ...result.errors, ttlAmount: { type: "max", message: `at most ${formatHours(max)} on ${values.tier}` } } };
      }
      return result;
    },
    [baseResolver, template.ttl],
  );

  const form = useForm<MainValues>({
    resolver,
    mode: "onTouched",
    defaultValues: {
      teamId: editing?.team.id ?? (props.mode === "new" ? (props.defaultTeamId ?? props.teams[0]?.id) : "") ?? "",
      tier: initialTier,
      environmentName: editing?.environmentName ?? "",
      ...splitHours(initialHours),
      justification: editing?.justification ?? "",
    },
  });
  const paramForm = useParameterForm(template.parameters, editing?.parameters);
  const valuesSchema = useMemo(() => parameterValuesSchema(template.parameters), [template.parameters]);

  const main = useWatch({ control: form.control });
  const params = useWatch({ control: paramForm.control });
  const tier = main.tier ?? initialTier;
  const bounds = template.ttl[tier];

  // A new tier has its own lifetimes: start from its default.
  const previousTier = useRef(tier);
  useEffect(() => {
    if (previousTier.current === tier) return;
    previousTier.current = tier;
    const next = splitHours(template.ttl[tier]?.defaultHours ?? 72);
    form.setValue("ttlAmount", next.ttlAmount, { shouldValidate: true });
    form.setValue("ttlUnit", next.ttlUnit);
  }, [tier, template.ttl, form]);

  // What the preview asks for: only well-formed values (a half-typed parameter pauses it).
  const parsedParams = valuesSchema.safeParse(params);
  const ttlHours = toHours(main.ttlAmount, main.ttlUnit ?? "days");
  const teamId = main.teamId ?? "";
  const nameOk = environmentNameSchema.safeParse(main.environmentName ?? "").success;
  const pauseReason = !teamId
    ? "Choose a team to see what this costs it."
    : !parsedParams.success
      ? "Fix the highlighted parameters to update the preview."
      : ttlHours === null || ttlHours > absoluteMaxHours
        ? "Enter a lifetime to update the preview."
        : null;
  const previewInput: PreviewInput | null =
    pauseReason === null && parsedParams.success && ttlHours !== null
      ? {
          teamId,
          templateName: template.name,
          templateVersion: template.version,
          tier,
          // The name only shows in tags and resource names; a placeholder until it is valid.
          environmentName: nameOk ? (main.environmentName ?? "").trim() : "new-environment",
          ttlHours,
          parameters: parsedParams.data as ParameterValues,
          // Editing: the request itself is left out of the team's commitments, so it counts once.
          ...(editing ? { editingRequestId: editing.id } : {}),
        }
      : null;
  const previewKey = useDebounced(previewInput ? JSON.stringify(previewInput) : null, previewDelayMs);
  const debouncedInput = useMemo(() => (previewKey ? (JSON.parse(previewKey) as PreviewInput) : null), [previewKey]);
  const preview = useQuery({ ...trpc.requests.preview.queryOptions(debouncedInput ?? skipToken), placeholderData: keepPreviousData, retry: false });
  const stale = previewKey !== (previewInput ? JSON.stringify(previewInput) : null);
  const decision = preview.data?.decision ?? null;
  const denied = decision?.outcome === "denied";
  const denyReasons = decision?.reasons.filter((r) => r.effect === "deny").map((r) => r.message.replace(/\s+—\s+denied$/, "")) ?? [];

  const showServerError = (error: unknown) => {
    const setMain = (name: string, err: ErrorOption) =>
      form.setError((name === "ttlHours" ? "ttlAmount" : name) as (typeof mainFieldNames)[number], err);
    const mainText = applyServerError(error, setMain, [...mainFieldNames, "ttlHours"]);
    const paramFields = template.parameters.map((p) => `parameters.${p.name}`);
    const paramText = applyServerError(
      error,
      (name: string, err: ErrorOption) => paramForm.setError(name.slice("parameters.".length), err),
      paramFields,
    );
    setFormError(mainText !== null && paramText !== null ? mainText : null);
  };

  const submit = useMutation(
    trpc.requests.submit.mutationOptions({
      onSuccess: async (result) => {
        await queryClient.invalidateQueries({ queryKey: trpc.requests.list.pathKey() });
        router.push(`/requests/${result.id}`);
      },
      onError: showServerError,
    }),
  );
  const update = useMutation(
    trpc.requests.update.mutationOptions({
      onSuccess: async (result) => {
        await queryClient.invalidateQueries({ queryKey: trpc.requests.pathKey() });
        router.push(`/requests/${result.id}`);
        router.refresh();
      },
      onError: showServerError,
    }),
  );
  const busy = submit.isPending || update.isPending || submit.isSuccess || update.isSuccess;

  const onSubmit = async () => {
    setFormError(null);
    const [mainOk, paramsOk] = await Promise.all([form.trigger(undefined, { shouldFocus: true }), paramForm.trigger()]);
    if (!mainOk) return;
    if (!paramsOk) {
      const first = template.parameters.find((p) => paramForm.getFieldState(p.name).error);
      if (first) paramForm.setFocus(first.name);
      return;
    }
    const v = form.getValues();
    const hours = toHours(v.ttlAmount, v.ttlUnit);
    const parameters = valuesSchema.safeParse(paramForm.getValues());
    if (hours === null || !parameters.success) return;
    const common = {
      tier: v.tier,
      environmentName: v.environmentName.trim(),
      ttlHours: hours,
      parameters: parameters.data as ParameterValues,
      justification: v.justification.trim(),
    };
    if (editing) {
      update.mutate({ ...common, requestId: editing.id, expectedVersion: editing.version });
    } else {
      clientRequestId.current ??= newUuid();
      submit.mutate({
        ...common,
        teamId: v.teamId,
        templateName: template.name,
        templateVersion: template.version,
        clientRequestId: clientRequestId.current,
      });
    }
  };

  const errors = form.formState.errors;
  const ttlHint = bounds ? `${tier}: ${formatHours(bounds.defaultHours)} by default, at most ${formatHours(bounds.maxHours)}.` : undefined;
  const submitLabel = editing ? "Save changes" : "Submit request";

  return (
    <div className="grid items-start gap-6 lg:grid-cols-[minmax(0,1fr)_22rem] xl:grid-cols-[minmax(0,1fr)_26rem]">
      <form
        id={formId}
        noValidate
        aria-label={editing ? `Edit ${editing.label}` : `Request ${template.title}`}
        className="min-w-0 space-y-6"
        onSubmit={(event) => {
          event.preventDefault();
          void onSubmit();
        }}
      >
        {editing && (
          <div role="note" className="rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900">
            <p className="font-semibold">Editing clears approvals</p>
            <p className="mt-0.5">
              {editing.liveApprovals > 0
                ? `${plural(editing.liveApprovals, "approval")} given so far will be cleared: approvers must look at the changed request again.`
                : "Once saved, the request is evaluated again; any approval given meanwhile would be cleared."}
            </p>
          </div>
        )}

        <section aria-labelledby={`${formId}-where`} className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
          <h2 id={`${formId}-where`} className="mb-4 text-sm font-semibold text-slate-800">
            Environment
          </h2>
          <div className="grid gap-4 sm:grid-cols-2">
            {props.mode === "new" ? (
              <Field
                label="Team"
                error={errors.teamId?.message && `Team: ${errors.teamId.message}`}
                hint="The team that owns the environment and pays for it."
              >
                {({ id, describedBy }) => (
                  <Select id={id} aria-describedby={describedBy} aria-invalid={errors.teamId ? true : undefined} {...form.register("teamId")}>
                    {props.teams.map((t) => (
                      <option key={t.id} value={t.id}>
                        {t.name}
                      </option>
                    ))}
                  </Select>
                )}
              </Field>
            ) : (
              <div>
                <p className="mb-1 block text-sm font-medium text-slate-800">Team</p>
                <p className="py-2 text-sm text-slate-900">{props.request.team.name}</p>
              </div>
            )}
            <Field
              label="Tier"
              error={errors.tier?.message && `Tier: ${errors.tier.message}`}
              hint="dev, staging and prod have their own lifetimes and approval rules."
            >
              {({ id, describedBy }) => (
                <Select id={id} aria-describedby={describedBy} aria-invalid={errors.tier ? true : undefined} {...form.register("tier")}>
                  {template.tiers.map((t) => (
                    <option key={t} value={t}>
                      {t}
                    </option>
                  ))}
                </Select>
              )}
            </Field>
            <Field
              label="Environment name"
              error={errors.environmentName?.message && `Environment name: ${errors.environmentName.message}`}
              hint="2–40 lowercase letters, digits and '-'; unique among the team's live environments."
            >
              {({ id, describedBy }) => (
                <TextInput
                  id={id}
                  aria-describedby={describedBy}
                  aria-invalid={errors.environmentName ? true : undefined}
                  autoComplete="off"
                  spellCheck={false}
                  placeholder="e.g. checkout-dev"
                  {...form.register("environmentName")}
                />
              )}
            </Field>
            <LifetimeField form={form} hint={ttlHint} error={errors.ttlAmount?.message} />
          </div>
        </section>

        <section aria-labelledby={`${formId}-params`} className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
          <h2 id={`${formId}-params`} className="mb-4 text-sm font-semibold text-slate-800">
            Parameters of {template.title} <span className="font-mono text-xs font-normal text-slate-500">v{template.version}</span>
          </h2>
          <ParameterFields parameters={template.parameters} form={paramForm} />
        </section>

        <div className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
          <Field
            label="Justification"
            error={errors.justification?.message && `Justification: ${errors.justification.message}`}
            hint="Why you need it: approvers read this."
          >
            {({ id, describedBy }) => (
              <textarea
                id={id}
                rows={3}
                aria-describedby={describedBy}
                aria-invalid={errors.justification ? true : undefined}
                className={inputClass}
                placeholder="e.g. Load test of the new checkout flow before the release on the 3rd."
                {...form.register("justification")}
              />
            )}
          </Field>

          <div className="mt-5 flex flex-col gap-3 border-t border-slate-100 pt-4 sm:flex-row sm:items-center">
            <div className="flex shrink-0 gap-2">
              <Button type="submit" busy={busy} disabled={denied} aria-describedby={submitHelpId}>
                {submitLabel}
              </Button>
              <Link href={editing ? `/requests/${editing.id}` : `/catalog/${template.name}`} className={buttonClass("secondary")}>
                Cancel
              </Link>
            </div>
            <p id={submitHelpId} className={`text-sm ${denied ? "font-medium text-red-700" : "text-slate-600"}`}>
              {denied
                ? `Submit is disabled: policy denies this request (${denyReasons.join("; ")}).`
                : decision
                  ? outcomeSentence(decision)
                  : "The preview shows what the policy decides before you submit."}
            </p>
          </div>
          {formError && (
            <div className="mt-4">
              <ErrorNotice title={editing ? "Not saved" : "Not submitted"} message={formError} />
            </div>
          )}
        </div>
      </form>

      <PreviewPanel
        preview={preview.data ?? null}
        loading={preview.isFetching || stale}
        error={preview.error ? preview.error.message : null}
        pauseReason={pauseReason}
        extra={template.planPreview ? <DraftTerraformPlan input={previewInput} /> : null}
      />
    </div>
  );
}

function LifetimeField({ form, hint, error }: { form: ReturnType<typeof useForm<MainValues>>; hint?: string; error?: string }) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  return (
    <div>
      <label htmlFor={id} className="mb-1 block text-sm font-medium text-slate-800">
        Lifetime
      </label>
      <div className="flex gap-2">
        <input
          id={id}
          type="number"
          inputMode="numeric"
          min={1}
          step={1}
          className={`${inputClass} max-w-28`}
          aria-describedby={describedBy}
          aria-invalid={error ? true : undefined}
          {...form.register("ttlAmount", {
            setValueAs: (v: unknown) => (v === "" || v === undefined || v === null ? undefined : Number(v)),
            onChange: () => void form.trigger("ttlAmount"),
          })}
        />
        <select
          aria-label="Lifetime unit"
          className={`${inputClass} max-w-28`}
          {...form.register("ttlUnit", { onChange: () => void form.trigger("ttlAmount") })}
        >
          <option value="days">days</option>
          <option value="hours">hours</option>
        </select>
      </div>
      {hint && !error && (
        <p id={hintId} className="mt-1 text-xs text-slate-500">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="mt-1 text-xs font-medium text-red-700">
          Lifetime: {error}
        </p>
      )}
    </div>
  );
}
