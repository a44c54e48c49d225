import { useSyncExternalStore } from "react";

const subscribe = () => () => {};

/**
 * False in the server render and until React has hydrated, then true. Forms disable their fields
 * until then: a value typed before hydration would be overwritten by the form library's
 * defaults and the old value saved.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
