"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useCallback, useId, useState } from "react";
import { useTRPC } from "~/components/trpc/client";
import { Button } from "~/components/ui/button";
import { ErrorNotice } from "~/components/ui/page";
import { errorMessage } from "./errors";
import { placeholderName, starterTemplate } from "./starter";
import { TemplateWorkspace, type WorkspaceState } from "./template-workspace";
import type { TemplateIssue } from "./types";
import { readScalar } from "./yaml-text";

/** Start a brand-new template from the starter YAML; saving creates its first draft. */
export function NewTemplateEditor({ existingNames }: { existingNames: string[] }) {
  const trpc = useTRPC();
  const router = useRouter();
  const reasonId = useId();
  const [failure, setFailure] = useState<string | null>(null);
  const create = useMutation(trpc.templateAdmin.createDraft.mutationOptions());

  // A draft for an existing name would become a new version of that template: point there instead.
  const nameIssues = useCallback(
    (text: string): TemplateIssue[] => {
      const name = readScalar(text, ["metadata", "name"]);
      if (!name || typeof name.value !== "string") return [];
      const where = { path: "metadata.name", line: name.line, column: name.column };
      if (name.value === placeholderName)
        return [{ ...where, message: `pick a name for the new template instead of the placeholder "${placeholderName}"` }];
      if (existingNames.includes(name.value)) {
        return [{ ...where, message: `a template named "${name.value}" already exists; open it and use "New version" to change it` }];
      }
      return [];
    },
    [existingNames],
  );

  function save(text: string) {
    if (create.isPending) return;
    setFailure(null);
    create.mutate(
      { yaml: text },
      {
        onSuccess: (draft) => router.push(`/admin/templates/${draft.name}/drafts/${draft.versionId}?created=1`),
        onError: (error) => setFailure(errorMessage(error)),
      },
    );
  }

  function blocker(state: WorkspaceState): string | null {
    if (state.issues === null) return state.checkError ? "The template could not be checked." : "Checking the template…";
    const naming = state.issues.find((i) => i.path === "metadata.name");
    if (naming) return "Give the template its own name first (metadata.name).";
    return null;
  }

  function toolbar(state: WorkspaceState) {
    const reason = blocker(state);
    const problems = state.issues?.length ?? 0;
    return (
      <div className="space-y-3">
        <div className="flex flex-col gap-4 md:flex-row md:items-start md:justify-between">
          <div className="min-w-0">
            <Link href="/admin/templates" className="text-sm text-brand-700 hover:underline">
              ← All templates
            </Link>
            <h2 className="mt-1 text-xl font-semibold">New template</h2>
            <p className="mt-1 max-w-2xl text-sm text-slate-600">
              Start from this small virtual machine template and make it yours. Saving keeps it as a draft that only admins see; publish it from the
              draft when it has no problems.
            </p>
          </div>
          <div className="flex shrink-0 flex-col gap-1.5 md:items-end">
            <Button disabled={reason !== null} busy={create.isPending} aria-describedby={reasonId} onClick={() => save(state.text)}>
              Save draft
            </Button>
            <p id={reasonId} className="max-w-64 text-xs text-slate-600 md:text-right">
              {reason ?? (problems > 0 ? "You can save with problems and fix them later." : "Saved drafts are visible to admins only.")}
            </p>
          </div>
        </div>
        {failure && <ErrorNotice title="The draft was not saved" message={failure} />}
      </div>
    );
  }

  return (
    <TemplateWorkspace
      initialYaml={starterTemplate}
      savedYaml={starterTemplate}
      editorLabel="YAML of the new template"
      extraIssues={nameIssues}
      onSave={(text) => {
        if (!nameIssues(text).length) save(text);
      }}
      toolbar={toolbar}
    />
  );
}
