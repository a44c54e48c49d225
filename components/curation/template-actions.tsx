"use client";

import { useMutation } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { useTRPC } from "~/components/trpc/client";
import { Button } from "~/components/ui/button";
import { inputClass } from "~/components/ui/form";
import { ErrorNotice } from "~/components/ui/page";
import { deprecateInput } from "~/server/schemas/template-curation";
import { ConfirmDialog } from "./confirm-dialog";
import { errorMessage } from "./errors";
import { replaceScalar } from "./yaml-text";

/** "New version": a draft of `baseYaml` with spec.version set to `nextVersion` (the patch bumped). */
export function NewVersionButton({
  baseYaml,
  nextVersion,
  baseVersion,
  variant = "primary",
}: {
  baseYaml: string;
  nextVersion: string;
  baseVersion: string | null;
  variant?: "primary" | "secondary";
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const [failure, setFailure] = useState<string | null>(null);
  const create = useMutation(trpc.templateAdmin.createDraft.mutationOptions());
  const hintId = useId();
  return (
    <div className="flex flex-col items-start gap-1.5">
      <Button
        variant={variant}
        busy={create.isPending}
        aria-describedby={hintId}
        onClick={() => {
          setFailure(null);
          create.mutate(
            { yaml: replaceScalar(baseYaml, ["spec", "version"], nextVersion) },
            {
              onSuccess: (draft) => router.push(`/admin/templates/${draft.name}/drafts/${draft.versionId}?created=1`),
              onError: (error) => {
                // Someone drafted that version meanwhile: fetch the versions again so the next click picks a free one.
                if (error instanceof TRPCClientError && (error.data as { code?: string } | undefined)?.code === "CONFLICT") {
                  setFailure(`${errorMessage(error)} The list of versions is refreshed: try again.`);
                  router.refresh();
                } else setFailure(errorMessage(error));
              },
            },
          );
        }}
      >
        New version
      </Button>
      <p id={hintId} className="text-xs text-slate-500">
        Drafts {nextVersion}
        {baseVersion ? ` from ${baseVersion}` : ""}
      </p>
      {failure && (
        <div className="max-w-sm">
          <ErrorNotice title="No draft was created" message={failure} />
        </div>
      )}
    </div>
  );
}

const reasonSchema = deprecateInput.shape.reason;

/** Deprecate (with a reason) or restore a template. */
export function DeprecationControl({ templateId, name, deprecated }: { templateId: string; name: string; deprecated: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const reasonId = useId();
  const reasonErrorId = useId();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [reasonError, setReasonError] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const close = () => {
    setOpen(false);
    setFailure(null);
    setReasonError(null);
  };
  const done = (query: string) => {
    close();
    setReason("");
    router.replace(`/admin/templates/${name}?${query}`);
    router.refresh();
  };
  const deprecate = useMutation(
    trpc.templateAdmin.deprecate.mutationOptions({ onSuccess: () => done("deprecated=1"), onError: (e) => setFailure(errorMessage(e)) }),
  );
  const restore = useMutation(
    trpc.templateAdmin.restore.mutationOptions({ onSuccess: () => done("restored=1"), onError: (e) => setFailure(errorMessage(e)) }),
  );

  if (deprecated) {
    return (
      <>
        <Button variant="secondary" onClick={() => setOpen(true)}>
          Restore
        </Button>
        <ConfirmDialog
          open={open}
          title={`Restore ${name}?`}
          confirmLabel="Restore"
          busy={restore.isPending}
          error={failure}
          errorTitle="Not restored"
          onConfirm={() => restore.mutate({ templateId })}
          onCancel={close}
        >
          <p>The template appears in the catalog again and developers can request it.</p>
        </ConfirmDialog>
      </>
    );
  }

  return (
    <>
      <Button variant="secondary" className="text-red-700" onClick={() => setOpen(true)}>
        Deprecate
      </Button>
      <ConfirmDialog
        open={open}
        title={`Deprecate ${name}?`}
        confirmLabel="Deprecate"
        variant="danger"
        busy={deprecate.isPending}
        error={failure}
        errorTitle="Not deprecated"
        onConfirm={() => {
          const parsed = reasonSchema.safeParse(reason);
          if (!parsed.success) return setReasonError(`Reason: ${parsed.error.issues[0]?.message ?? "is not valid"}`);
          setReasonError(null);
          deprecate.mutate({ templateId, reason: parsed.data });
        }}
        onCancel={close}
      >
        <p>It disappears from the catalog and nobody can request it any more. Existing environments are not touched. You can restore it later.</p>
        <div>
          <label htmlFor={reasonId} className="mb-1 block text-sm font-medium text-slate-800">
            Reason
          </label>
          <textarea
            id={reasonId}
            rows={3}
            maxLength={300}
            className={inputClass}
            value={reason}
            aria-invalid={reasonError ? true : undefined}
            aria-describedby={reasonError ? reasonErrorId : undefined}
            placeholder="e.g. Replaced by web-service-v2; migrate by March"
            onChange={(e) => setReason(e.target.value)}
          />
          {reasonError ? (
            <p id={reasonErrorId} className="mt-1 text-xs font-medium text-red-700">
              {reasonError}
            </p>
          ) : (
            <p className="mt-1 text-xs text-slate-500">Shown on the template&apos;s page and written to the audit log.</p>
          )}
        </div>
      </ConfirmDialog>
    </>
  );
}
