"use client";

import { useMutation } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { useId, useState } from "react";
import { plural, pluralNoun } from "~/components/format/plural";
import { useTRPC } from "~/components/trpc/client";
import { Button } from "~/components/ui/button";
import { inputClass } from "~/components/ui/form";
import { Modal } from "~/components/ui/modal";
import { ErrorNotice } from "~/components/ui/page";
import type { EnvironmentDetail } from "./types";

type Props = {
  open: boolean;
  detail: EnvironmentDetail;
  viewerId: string;
  onClose: () => void;
  onDestroyed: () => void;
};

const shownResources = 8;

/**
 * Destroying, confirmed by typing the environment's name (checked again by the API). Says what
 * goes: every live resource, the outputs, the cost. Native <dialog>: focus stays inside, Escape
 * cancels, focus returns to the Destroy button.
 */
export function DestroyDialog({ open, detail, viewerId, onClose, onDestroyed }: Props) {
  const trpc = useTRPC();
  const titleId = useId();
  const inputId = useId();
  const [name, setName] = useState("");
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const { environment } = detail;
  const destroy = useMutation(
    trpc.environments.destroy.mutationOptions({
      onSuccess: () => {
        setName("");
        onDestroyed();
      },
      onError: (error) => {
        const field = error instanceof TRPCClientError ? (error.data as { field?: string | null } | undefined)?.field : null;
        if (field === "confirmName") setFieldError(error.message);
        else setFormError(error.message);
      },
    }),
  );

  const live = detail.resources.filter((r) => r.status !== "deleted");
  const someoneElses = detail.owner.id !== viewerId;
  return (
    <Modal
      open={open}
      labelledBy={titleId}
      size="md"
      onOpen={() => {
        setFieldError(null);
        setFormError(null);
        destroy.reset();
      }}
      onClose={onClose}
    >
      <form
        noValidate
        aria-label={`Destroy ${environment.name}`}
        className="space-y-4 p-5"
        onSubmit={(event) => {
          event.preventDefault();
          setFormError(null);
          if (!name.trim()) {
            setFieldError(`Type ${environment.name} to confirm.`);
            return;
          }
          setFieldError(null);
          destroy.mutate({ environmentId: environment.id, confirmName: name, expectedVersion: environment.version });
        }}
      >
        <h2 id={titleId} className="text-lg font-semibold">
          Destroy {environment.name}?
        </h2>
        <div className="space-y-2 text-sm text-slate-700">
          <p>
            {live.length === 0
              ? "Nothing of it is left to delete; destroying closes it for good."
              : `${plural(live.length, "resource")} ${pluralNoun(live.length, "is", "are")} deleted in ${environment.engineTitle}:`}
          </p>
          {live.length > 0 && (
            <ul className="list-disc space-y-0.5 pl-5 text-xs">
              {live.slice(0, shownResources).map((r) => (
                <li key={r.id}>
                  <span className="font-medium text-slate-900">{r.title}</span> <code className="font-mono text-slate-500">{r.address}</code>
                  {r.providerId && <code className="ml-1 font-mono text-slate-500">({r.providerId})</code>}
                </li>
              ))}
              {live.length > shownResources && <li>and {live.length - shownResources} more</li>}
            </ul>
          )}
          <p>Its outputs stop working and its cost stops accruing. This cannot be undone.</p>
          {someoneElses && <p className="font-medium text-slate-900">It belongs to {detail.owner.name}, who will be notified.</p>}
        </div>
        <div>
          <label htmlFor={inputId} className="mb-1 block text-sm font-medium text-slate-800">
            Type <span className="font-mono">{environment.name}</span> to confirm
          </label>
          <input
            id={inputId}
            className={`${inputClass} font-mono`}
            value={name}
            autoComplete="off"
            autoCapitalize="off"
            spellCheck={false}
            aria-invalid={fieldError ? true : undefined}
            aria-describedby={fieldError ? `${inputId}-error` : undefined}
            onChange={(e) => {
              setName(e.target.value);
              if (fieldError) setFieldError(null);
            }}
          />
          {fieldError && (
            <p id={`${inputId}-error`} className="mt-1 text-xs font-medium text-red-700">
              {fieldError}
            </p>
          )}
        </div>
        {formError && <ErrorNotice title="Not destroyed" message={formError} />}
        <div className="flex flex-wrap justify-end gap-2 pt-1">
          <Button type="button" variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" variant="danger" busy={destroy.isPending}>
            Destroy environment
          </Button>
        </div>
      </form>
    </Modal>
  );
}
