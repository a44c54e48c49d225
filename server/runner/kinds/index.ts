/**
 * The table of run kinds: a new kind is one file against RunKindHandler (./types.ts) and one
 * line here. A kind in the vocabulary without a handler is refused by the dispatcher.
 */
import type { RunKind } from "~/db/vocabulary";
import { applyKind } from "./apply";
import { destroyKind } from "./destroy";
import { rollbackKind } from "./rollback";
import { driftKind } from "./drift";
import { reconcileKind } from "./reconcile";
import type { AnyRunKindHandler } from "./types";
import { updateKind } from "./update";

export const runKindHandlers: Partial<Record<RunKind, AnyRunKindHandler>> = {
  apply: applyKind,
  destroy: destroyKind,
  update: updateKind,
  rollback: rollbackKind,
  drift: driftKind,
  reconcile: reconcileKind,
};
