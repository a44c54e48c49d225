"use client";

import { useMutation } from "@tanstack/react-query";
import { useId, useState } from "react";
import { plural } from "~/components/format/plural";
import { useTRPC } from "~/components/trpc/client";
import { Button } from "~/components/ui/button";
import { inputClass } from "~/components/ui/form";
import { Modal } from "~/components/ui/modal";
import { ErrorNotice } from "~/components/ui/page";
import { decideRequestInput } from "~/server/schemas/requests";

export type Decision = "approved" | "rejected";
export type DecideResult = { status: string; complete: boolean; rejected: boolean; remaining: number[] };

/** What the approver is told after deciding. */
export function decidedMessage(label: string, decision: Decision, result: DecideResult): string {
  if (decision === "rejected") return `${label} rejected.`;
  if (result.complete && result.status === "applied") return `${label} approved: the extension is applied.`;
  if (result.complete) return `${label} approved: it is fully approved and queued for provisioning.`;
  const more = result.remaining.reduce((a, b) => a + b, 0);
  return `${label} approved: ${plural(more, "more approval")} needed.`;
}

/** The comment check the API applies: optional to approve, at least 3 characters to reject. */
export function commentError(requestId: string, version: number, decision: Decision, comment: string): string | null {
  const parsed = decideRequestInput.safeParse({ requestId, expectedVersion: version, decision, comment });
  if (parsed.success) return null;
  const issue = parsed.error.issues.find((i) => i.path[0] === "comment");
  return issue ? `Comment: ${issue.message}` : null;
}

type Props = {
  request: { id: string; version: number; label: string };
  /** null: closed. */
  decision: Decision | null;
  onClose: () => void;
  onDecided: (decision: Decision, result: DecideResult) => void;
};

/** Approve or reject in a modal, with a comment (required to reject). Native <dialog>: focus is trapped, Escape closes. */
export function DecideDialog({ request, decision, onClose, onDecided }: Props) {
  const trpc = useTRPC();
  const titleId = useId();
  const commentId = useId();
  const [comment, setComment] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [serverError, setServerError] = useState<string | null>(null);
  const decide = useMutation(
    trpc.approvals.decide.mutationOptions({
      onSuccess: (result, input) => {
        setComment("");
        onDecided(input.decision, result);
      },
      onError: (e) => setServerError(e.message),
    }),
  );

  const rejecting = decision === "rejected";
  return (
    <Modal
      open={decision !== null}
      labelledBy={titleId}
      size="sm"
      onOpen={() => {
        setError(null);
        setServerError(null);
      }}
      onClose={onClose}
    >
      <form
        noValidate
        className="space-y-4 p-5"
        onSubmit={(event) => {
          event.preventDefault();
          if (!decision) return;
          const problem = commentError(request.id, request.version, decision, comment);
          setError(problem);
          setServerError(null);
          if (problem) return;
          decide.mutate({ requestId: request.id, expectedVersion: request.version, decision, comment });
        }}
      >
        <h2 id={titleId} className="text-lg font-semibold">
          {rejecting ? `Reject ${request.label}` : `Approve ${request.label}`}
        </h2>
        <p className="text-sm text-slate-700">
          {rejecting
            ? "Rejecting ends the request. Say why, so the requester can fix it and ask again."
            : "Your approval counts for the current stage. A comment is optional."}
        </p>
        <div>
          <label htmlFor={commentId} className="mb-1 block text-sm font-medium text-slate-800">
            Comment{rejecting ? "" : " (optional)"}
          </label>
          <textarea
            id={commentId}
            rows={3}
            className={inputClass}
            value={comment}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${commentId}-error` : undefined}
            onChange={(e) => {
              setComment(e.target.value);
              if (error) setError(commentError(request.id, request.version, decision ?? "approved", e.target.value));
            }}
          />
          {error && (
            <p id={`${commentId}-error`} className="mt-1 text-xs font-medium text-red-700">
              {error}
            </p>
          )}
        </div>
        {serverError && <ErrorNotice title={rejecting ? "Not rejected" : "Not approved"} message={serverError} />}
        <div className="flex flex-wrap justify-end gap-2 pt-1">
          <Button type="button" variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" variant={rejecting ? "danger" : "primary"} busy={decide.isPending}>
            {rejecting ? "Reject" : "Approve"}
          </Button>
        </div>
      </form>
    </Modal>
  );
}
