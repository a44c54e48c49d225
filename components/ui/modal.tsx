"use client";

import { useEffect, useRef, type ReactNode } from "react";

const widths = {
  sm: "w-[min(32rem,calc(100vw-2rem))]",
  md: "w-[min(34rem,calc(100vw-2rem))]",
  lg: "w-[min(36rem,calc(100vw-2rem))]",
  xl: "w-[min(64rem,calc(100vw-2rem))]",
} as const;

type ModalProps = {
  open: boolean;
  /** The id of the heading that names the dialog. */
  labelledBy: string;
  describedBy?: string;
  size?: keyof typeof widths;
  /** Runs each time the dialog opens, before it shows (clear last time's errors here). */
  onOpen?: () => void;
  /** Escape, or the dialog closing itself while `open` is still true. */
  onClose: () => void;
  children: ReactNode;
};

/**
 * A modal on the native <dialog>: focus moves into it and stays there, Escape closes it, and
 * focus returns to the control that opened it. Every dialog of the app is one of these.
 */
export function Modal({ open, labelledBy, describedBy, size = "sm", onOpen, onClose, children }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  // The latest callback, without reopening the dialog when a parent re-renders with a new function.
  const onOpenRef = useRef(onOpen);
  useEffect(() => {
    onOpenRef.current = onOpen;
  });

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      onOpenRef.current?.();
      dialog.showModal();
    }
    if (!open && dialog.open) dialog.close();
  }, [open]);

  return (
    <dialog
      ref={ref}
      aria-labelledby={labelledBy}
      aria-describedby={describedBy}
      onClose={() => {
        if (open) onClose();
      }}
      className={`m-auto ${widths[size]} rounded-lg bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-900/40`}
    >
      {children}
    </dialog>
  );
}
