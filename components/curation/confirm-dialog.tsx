"use client";

import { useId, type ReactNode } from "react";
import { Button } from "~/components/ui/button";
import { Modal } from "~/components/ui/modal";
import { ErrorNotice } from "~/components/ui/page";

type ConfirmDialogProps = {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  /** The button that closes without acting. Default "Cancel"; say what is kept when the action itself is a cancel ("Keep request"). */
  dismissLabel?: string;
  variant?: "primary" | "danger";
  busy?: boolean;
  /** The API's answer when the action failed; the dialog stays open. */
  error?: string | null;
  errorTitle?: string;
  onConfirm: () => void;
  onCancel: () => void;
};

/**
 * A modal confirmation on the native <dialog>: focus moves into it and stays there, Escape
 * cancels, and focus returns to the button that opened it.
 */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  dismissLabel = "Cancel",
  variant = "primary",
  busy,
  error,
  errorTitle = "That did not work",
  onConfirm,
  onCancel,
}: ConfirmDialogProps) {
  const titleId = useId();
  const bodyId = useId();

  return (
    <Modal open={open} labelledBy={titleId} describedBy={bodyId} size="sm" onClose={onCancel}>
      <form
        method="dialog"
        className="space-y-4 p-5"
        onSubmit={(event) => {
          event.preventDefault();
          onConfirm();
        }}
      >
        <h2 id={titleId} className="text-lg font-semibold">
          {title}
        </h2>
        <div id={bodyId} className="space-y-3 text-sm text-slate-700">
          {children}
        </div>
        {error && <ErrorNotice title={errorTitle} message={error} />}
        <div className="flex flex-wrap justify-end gap-2 pt-1">
          <Button type="button" variant="secondary" onClick={onCancel}>
            {dismissLabel}
          </Button>
          <Button type="submit" variant={variant} busy={busy}>
            {confirmLabel}
          </Button>
        </div>
      </form>
    </Modal>
  );
}
