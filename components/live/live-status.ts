"use client";

import { useSyncExternalStore } from "react";

/**
 * Whether this tab's live stream (LiveUpdates) is connected, for views that would otherwise poll:
 * while it is, changes arrive by push and they need not; while it is down, they poll as a fallback.
 */
let connected = false;
const listeners = new Set<() => void>();

export function setLiveConnected(value: boolean) {
  if (connected === value) return;
  connected = value;
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** True while the live stream is up (false on the server and before the first connection). */
export function useLiveConnected(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => connected,
    () => false,
  );
}
