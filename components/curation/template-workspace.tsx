"use client";

import { useMutation } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { useCallback, useEffect, useId, useLayoutEffect, useRef, useState, type ReactNode } from "react";
import { ParameterForm } from "~/components/templates/parameter-form";
import { CostRangeSummary, PlanTable } from "~/components/templates/plan-summary";
import { PolicySummary } from "~/components/templates/policy-summary";
import { useTRPC } from "~/components/trpc/client";
import { Card } from "~/components/ui/page";
import { yamlShapeProblem } from "~/server/templates/yaml-limits";
import { describeIssue, problemCount, type TemplateIssue, type TemplatePreview } from "./types";
import { YamlEditor, type YamlEditorHandle } from "./yaml-editor";

/** The result of checking one text of the editor. */
type Check = { text: string; issues: TemplateIssue[]; preview: TemplatePreview | null; error: string | null };

export type WorkspaceState = {
  /** What the editor holds now. */
  text: string;
  /** The problems of `text`, or null while it is being checked (or could not be checked). */
  issues: TemplateIssue[] | null;
  /** Why the text could not be checked (network, server), if so. */
  checkError: string | null;
  /** The text differs from `savedYaml`. */
  dirty: boolean;
};

type TemplateWorkspaceProps = {
  initialYaml: string;
  /** The text as last saved; leaving the page with other text asks first. Omit when nothing is saved yet. */
  savedYaml?: string;
  /** Accessible name of the YAML editor. */
  editorLabel: string;
  /** Problems the page adds to the server's (e.g. a placeholder name still in place). */
  extraIssues?: (text: string) => TemplateIssue[];
  /** Ctrl/Cmd+S in the editor. */
  onSave?: (text: string) => void;
  /** The bar above the editor: status and actions, given the current text and its problems. */
  toolbar: (state: WorkspaceState) => ReactNode;
};

const emptyIssue: TemplateIssue = { path: "", message: "the template is empty", line: null, column: null };

/**
 * The curation workspace: a YAML editor checked by the server as you type (inline diagnostics
 * and a problem list), next to a preview of what requesters will see: the generated parameter
 * form, the cost range, the plan at defaults and the policy.
 */
export function TemplateWorkspace({ initialYaml, savedYaml, editorLabel, extraIssues, onSave, toolbar }: TemplateWorkspaceProps) {
  const trpc = useTRPC();
  const { mutateAsync: validate } = useMutation(trpc.templateAdmin.validate.mutationOptions());
  const editor = useRef<YamlEditorHandle>(null);
  const [text, setText] = useState(initialYaml);
  const [check, setCheck] = useState<Check | null>(null);
  const [lastPreview, setLastPreview] = useState<TemplatePreview | null>(null);
  const sequence = useRef(0);
  const extra = useRef(extraIssues);
  const hintId = useId();

  useLayoutEffect(() => {
    extra.current = extraIssues;
  });

  const lint = useCallback(
    async (yamlText: string): Promise<TemplateIssue[]> => {
      const id = ++sequence.current;
      let result: Check = { text: yamlText, issues: [], preview: null, error: null };
      const shape = yamlShapeProblem(yamlText);
      if (!yamlText.trim()) {
        result.issues = [emptyIssue];
      } else if (shape) {
        // Too big or too deep to parse cheaply: said at once, without a round trip or a parse.
        result.issues = [{ path: "", ...shape }];
      } else {
        try {
          const { issues, preview } = await validate({ yaml: yamlText });
          result = { ...result, issues, preview };
        } catch (error) {
          // Input the API refuses outright (too large) is a problem of the text; anything else is not.
          if (error instanceof TRPCClientError && (error.data as { code?: string } | undefined)?.code === "BAD_REQUEST") {
            result.issues = [{ path: "", message: error.message, line: null, column: null }];
          } else {
            result.error = error instanceof Error ? error.message : "The check failed.";
          }
        }
      }
      if (!result.error && !shape) result.issues = [...result.issues, ...(extra.current?.(yamlText) ?? [])];
      if (id === sequence.current) {
        setCheck(result);
        if (result.preview) setLastPreview(result.preview);
      }
      return result.issues;
    },
    [validate],
  );

  const dirty = savedYaml !== undefined && text !== savedYaml;
  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  const upToDate = check !== null && check.text === text;
  const state: WorkspaceState = {
    text,
    issues: upToDate && !check.error ? check.issues : null,
    checkError: upToDate ? check.error : null,
    dirty,
  };
  const preview = upToDate && check.preview ? check.preview : lastPreview;
  const previewStale = preview !== null && !(upToDate && check.preview);

  return (
    <div className="space-y-5">
      {toolbar(state)}
      <div className="grid items-start gap-6 lg:grid-cols-[minmax(0,7fr)_minmax(0,5fr)]">
        <div className="min-w-0 space-y-4 lg:sticky lg:top-4">
          <section aria-label="Template YAML" className="space-y-2">
            <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
              <h2 className="font-mono text-sm font-semibold text-slate-800">template.yaml</h2>
              <p id={hintId} className="text-xs text-slate-500">
                Checked as you type · Tab moves on to the next control · Ctrl+S saves · F8 jumps to the next problem
              </p>
            </div>
            <YamlEditor
              ref={editor}
              initialValue={initialYaml}
              label={editorLabel}
              describedBy={hintId}
              onChange={setText}
              lint={lint}
              onSave={onSave}
              className="h-[26rem] lg:h-[max(24rem,calc(100vh-19rem))]"
            />
          </section>
          <ProblemsPanel state={state} checking={!upToDate} onSelect={(issue) => issue.line && editor.current?.goTo(issue.line, issue.column)} />
        </div>
        <div className="min-w-0 space-y-4">
          <PreviewPanels preview={preview} stale={previewStale} />
        </div>
      </div>
    </div>
  );
}

function ProblemsPanel({ state, checking, onSelect }: { state: WorkspaceState; checking: boolean; onSelect: (issue: TemplateIssue) => void }) {
  const titleId = useId();
  const issues = state.issues ?? [];
  // The live region only changes when a check completes, so screen readers hear the count, not every keystroke.
  const [announced, setAnnounced] = useState<string>("Checking…");
  const count = state.issues ? problemCount(state.issues.length) : state.checkError ? "Could not check" : null;
  if (count !== null && count !== announced) setAnnounced(count);
  const tone = state.checkError ? "text-amber-700" : issues.length > 0 ? "text-red-700" : "text-emerald-700";

  return (
    <section aria-labelledby={titleId} className="rounded-lg border border-slate-200 bg-white shadow-sm">
      <div className="flex items-center justify-between gap-3 border-b border-slate-100 px-4 py-2.5">
        <h2 id={titleId} className="text-sm font-semibold text-slate-800">
          Problems
        </h2>
        <div className="flex items-center gap-2 text-sm">
          {checking && <span aria-hidden className="size-3 animate-spin rounded-full border-2 border-slate-400 border-r-transparent" />}
          <p role="status" aria-live="polite" className={`font-medium ${checking ? "text-slate-500" : tone}`}>
            {announced}
          </p>
        </div>
      </div>
      {state.checkError && (
        <p className="px-4 py-3 text-sm text-amber-800">
          The template could not be checked: {state.checkError}. Keep editing; it is checked again after the next change.
        </p>
      )}
      {issues.length > 0 ? (
        <ul className="max-h-60 divide-y divide-slate-100 overflow-y-auto" aria-label="Problems in the template">
          {issues.map((issue, i) => {
            const where = issue.line ? `Line ${issue.line}${issue.column ? `:${issue.column}` : ""}` : "Whole file";
            const body = (
              <>
                <span className="w-24 shrink-0 whitespace-nowrap font-mono text-xs leading-5 text-slate-500">{where}</span>
                <span className="min-w-0 break-words">
                  {issue.path && <span className="font-mono text-xs text-red-800">{issue.path}: </span>}
                  <span className="text-slate-800">{issue.message}</span>
                </span>
              </>
            );
            return (
              <li key={`${i}-${issue.path}-${issue.message}`}>
                {issue.line ? (
                  <button
                    type="button"
                    className="flex w-full gap-3 px-4 py-2 text-left text-sm hover:bg-red-50/60 focus-visible:bg-red-50/60"
                    aria-label={`Line ${issue.line}${issue.column ? `, column ${issue.column}` : ""}: ${describeIssue(issue)}`}
                    onClick={() => onSelect(issue)}
                  >
                    {body}
                  </button>
                ) : (
                  <div className="flex gap-3 px-4 py-2 text-sm">{body}</div>
                )}
              </li>
            );
          })}
        </ul>
      ) : (
        state.issues && <p className="px-4 py-3 text-sm text-slate-600">The template is valid: it can be saved and published.</p>
      )}
    </section>
  );
}

function PreviewPanels({ preview, stale }: { preview: TemplatePreview | null; stale: boolean }) {
  if (!preview) {
    return (
      <Card title="Preview">
        <p className="text-sm text-slate-600">The request form, cost and plan appear here once the template has no problems.</p>
      </Card>
    );
  }
  return (
    <div className={`space-y-4 transition-opacity ${stale ? "opacity-60" : ""}`}>
      {stale && (
        <p className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          Preview of the last valid text: fix the problems to update it.
        </p>
      )}
      <Card title="Request form preview">
        <p className="mb-4 text-sm text-slate-600">
          What a requester fills in. Try values: they are checked as you type, with the server&apos;s rules.
        </p>
        <ParameterForm key={JSON.stringify(preview.parameters)} parameters={preview.parameters} label="Request form preview" />
      </Card>
      <Card title="Cost and plan at defaults">
        <div className="space-y-4">
          <CostRangeSummary range={preview.costRange} />
          <PlanTable plan={preview.plan} caption="Resources created with the default values" />
        </div>
      </Card>
      <Card title="Policy">
        <PolicySummary policy={preview.policy} tiers={preview.tiers} />
      </Card>
    </div>
  );
}
