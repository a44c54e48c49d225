/** Calls one tRPC batch request may carry: the server refuses more, so the browser's batch link splits at this size. Browser-safe. */
export const maxBatchCalls = 10;
