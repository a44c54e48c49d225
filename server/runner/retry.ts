import { isTransient } from "~/server/engines/engine";

export type RetryOptions = {
  attempts: number;
  baseMs: number;
  maxMs: number;
  signal?: AbortSignal;
  onRetry?: (attempt: number, delayMs: number, error: Error) => void | Promise<void>;
};

export const defaultRetry: Omit<RetryOptions, "signal" | "onRetry"> = { attempts: 6, baseMs: 200, maxMs: 10_000 };

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason instanceof Error ? signal.reason : new Error("aborted"));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });

/**
 * Retries transient engine errors with exponential backoff and full jitter, bounded, honouring
 * a retry-after the engine gave up to maxMs (so retries never take longer than attempts × maxMs,
 * whatever the engine asks). Permanent errors, and the last transient one, are thrown.
 */
export async function withRetry<T>(operation: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!isTransient(error) || attempt >= options.attempts) throw error;
      const backoff = Math.min(options.maxMs, options.baseMs * 2 ** (attempt - 1));
      const delay = Math.min(options.maxMs, Math.max(error.options.retryAfterMs ?? 0, Math.round(Math.random() * backoff)));
      await options.onRetry?.(attempt, delay, error);
      await sleep(delay, options.signal);
    }
  }
}
