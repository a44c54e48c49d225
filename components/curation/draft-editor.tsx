"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useCallback, useId, useState } from "react";
import { formatTime } from "~/components/format/time";
import { compareSemver } from "~/server/templates/format";
import { useTRPC } from "~/components/trpc/client";
import { Button } from "~/components/ui/button";
import { Badge, ErrorNotice } from "~/components/ui/page";
import { ConfirmDialog } from "./confirm-dialog";
import { errorMessage, isLockConflict } from "./errors";
import { SuccessNotice } from "./notice";
import { TemplateWorkspace, type WorkspaceState } from "./template-workspace";
import { problemCount, type TemplateIssue } from "./types";
import { readScalar } from "./yaml-text";

const semverPattern = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

type DraftEditorProps = {
  name: string;
  versionId: string;
  version: string;
  yaml: string;
  lockVersion: number;
  /** The newest published version, which the draft must be higher than. */
  publishedVersion: string | null;
  createdBy: string | null;
  /** Versions of the template other than this draft: a draft may not take one of them. */
  takenVersions: string[];
  /** Set when the page was opened right after creating the draft. */
  justCreated?: boolean;
};

type Saved = { yaml: string; lockVersion: number; version: string; at: Date | null };
type Failure = { title: string; message: string; conflict: boolean };

/** Edit one draft: save (optimistic lock), publish once it is valid and saved, or delete it. */
export function DraftEditor({
  name,
  versionId,
  version,
  yaml,
  lockVersion,
  publishedVersion,
  createdBy,
  takenVersions,
  justCreated,
}: DraftEditorProps) {
  const trpc = useTRPC();
  const router = useRouter();
  const reasonId = useId();
  const [saved, setSaved] = useState<Saved>({ yaml, lockVersion, version, at: null });
  const [failure, setFailure] = useState<Failure | null>(null);
  const [dialog, setDialog] = useState<"publish" | "delete" | null>(null);
  const [dialogError, setDialogError] = useState<string | null>(null);

  const update = useMutation(trpc.templateAdmin.updateDraft.mutationOptions());
  const publish = useMutation(trpc.templateAdmin.publish.mutationOptions());
  const remove = useMutation(trpc.templateAdmin.deleteDraft.mutationOptions());

  // What the server would refuse on save or publish, shown inline before anyone clicks.
  const identityIssues = useCallback(
    (text: string): TemplateIssue[] => {
      const issues: TemplateIssue[] = [];
      const nameNode = readScalar(text, ["metadata", "name"]);
      if (nameNode && nameNode.value !== name) {
        issues.push({
          path: "metadata.name",
          message: `must stay "${name}"; start a new template for a new name`,
          line: nameNode.line,
          column: nameNode.column,
        });
      }
      const versionNode = readScalar(text, ["spec", "version"]);
      const draftVersion = typeof versionNode?.value === "string" && semverPattern.test(versionNode.value) ? versionNode.value : null;
      if (versionNode && draftVersion) {
        const where = { path: "spec.version", line: versionNode.line, column: versionNode.column };
        if (takenVersions.includes(draftVersion)) issues.push({ ...where, message: `version ${draftVersion} already exists; choose a new one` });
        else if (publishedVersion && compareSemver(draftVersion, publishedVersion) <= 0) {
          issues.push({ ...where, message: `must be higher than the published ${publishedVersion}` });
        }
      }
      return issues;
    },
    [name, publishedVersion, takenVersions],
  );

  function save(text: string) {
    if (text === saved.yaml || update.isPending) return;
    setFailure(null);
    update.mutate(
      { versionId, yaml: text, expectedLockVersion: saved.lockVersion },
      {
        onSuccess: (result) => setSaved({ yaml: text, lockVersion: result.lockVersion, version: result.version, at: new Date() }),
        onError: (error) => setFailure({ title: "The draft was not saved", message: errorMessage(error), conflict: isLockConflict(error) }),
      },
    );
  }

  function confirmPublish() {
    setDialogError(null);
    publish.mutate(
      { versionId, expectedLockVersion: saved.lockVersion },
      {
        onSuccess: (result) => router.push(`/admin/templates/${name}?published=${encodeURIComponent(result.version)}`),
        onError: (error) => setDialogError(errorMessage(error)),
      },
    );
  }

  function confirmDelete() {
    setDialogError(null);
    remove.mutate(
      { versionId, expectedLockVersion: saved.lockVersion },
      {
        onSuccess: () => router.push(`/admin/templates/${name}?deleted=${encodeURIComponent(saved.version)}`),
        onError: (error) => setDialogError(errorMessage(error)),
      },
    );
  }

  function publishBlocker(state: WorkspaceState, isDirty: boolean): string | null {
    if (isDirty) return "Save your changes before publishing.";
    if (state.checkError) return "The template could not be checked; publishing waits until it can be.";
    if (state.issues === null) return "Checking the template…";
    if (state.issues.length > 0) return `Fix the ${problemCount(state.issues.length).toLowerCase()} before publishing.`;
    return null;
  }

  function toolbar(state: WorkspaceState) {
    const isDirty = state.dirty;
    const blocker = publishBlocker(state, isDirty);
    const saveStatus = update.isPending
      ? "Saving…"
      : isDirty
        ? "Unsaved changes"
        : saved.at
          ? `Saved at ${formatTime(saved.at)}`
          : "All changes saved";
    return (
      <div className="space-y-3">
        <div className="flex flex-col gap-4 md:flex-row md:items-start md:justify-between">
          <div className="min-w-0">
            <Link href={`/admin/templates/${name}`} className="text-sm text-brand-700 hover:underline">
              ← {name}
            </Link>
            <h2 className="mt-1 flex flex-wrap items-center gap-2 text-xl font-semibold">
              <span>Draft {saved.version}</span>
              <span className="font-mono text-sm font-normal text-slate-500">{name}</span>
              <Badge tone="amber">draft</Badge>
            </h2>
            <p className="mt-1 text-sm text-slate-600">
              {publishedVersion ? `Published now: ${publishedVersion}. ` : "Not published yet. "}
              {createdBy ? `Started by ${createdBy}.` : ""}
            </p>
          </div>
          <div className="flex shrink-0 flex-col gap-1.5 md:items-end">
            <div className="flex flex-wrap gap-2 md:justify-end">
              <Button variant="ghost" className="text-red-700 hover:bg-red-50" onClick={() => setDialog("delete")}>
                Delete draft
              </Button>
              <Button variant="secondary" disabled={!isDirty} busy={update.isPending} onClick={() => save(state.text)}>
                Save draft
              </Button>
              <Button disabled={blocker !== null} aria-describedby={reasonId} onClick={() => setDialog("publish")}>
                Publish
              </Button>
            </div>
            <p className="text-xs text-slate-600 md:text-right">
              <span role="status" className={isDirty ? "font-medium text-amber-700" : ""}>
                {saveStatus}
              </span>
              <span id={reasonId} className="block">
                {blocker ?? "Ready to publish."}
              </span>
            </p>
          </div>
        </div>
        {justCreated && !failure && saved.at === null && (
          <SuccessNotice>Draft {saved.version} created. Edit it, save, and publish when it is ready.</SuccessNotice>
        )}
        {failure && (
          <div className="space-y-2">
            <ErrorNotice title={failure.title} message={failure.message} />
            {failure.conflict && (
              <Button variant="secondary" onClick={() => router.refresh()}>
                Reload the draft (your changes here are lost)
              </Button>
            )}
          </div>
        )}
        <ConfirmDialog
          open={dialog === "publish"}
          title={`Publish ${name} ${saved.version}?`}
          confirmLabel={`Publish ${saved.version}`}
          busy={publish.isPending}
          error={dialog === "publish" ? dialogError : null}
          errorTitle="Not published"
          onConfirm={confirmPublish}
          onCancel={() => {
            setDialog(null);
            setDialogError(null);
          }}
        >
          <p>
            Developers can request version {saved.version} right away, and new requests use it. A published version never changes: later edits need a
            new version.
          </p>
          <p>Existing environments keep the version they were created with.</p>
        </ConfirmDialog>
        <ConfirmDialog
          open={dialog === "delete"}
          title={`Delete draft ${saved.version}?`}
          confirmLabel="Delete draft"
          variant="danger"
          busy={remove.isPending}
          error={dialog === "delete" ? dialogError : null}
          errorTitle="Not deleted"
          onConfirm={confirmDelete}
          onCancel={() => {
            setDialog(null);
            setDialogError(null);
          }}
        >
          <p>The draft and its YAML are removed{isDirty ? ", including your unsaved changes" : ""}. Published versions are not affected.</p>
        </ConfirmDialog>
      </div>
    );
  }

  return (
    <TemplateWorkspace
      initialYaml={yaml}
      savedYaml={saved.yaml}
      editorLabel={`YAML of ${name} draft ${version}`}
      extraIssues={identityIssues}
      onSave={save}
      toolbar={toolbar}
    />
  );
}
