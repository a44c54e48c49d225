/**
 * A production stack on its own throwaway database (fresh data folder, free ports, demo data),
 * for the load smoke and the benchmarks: `dispose()` stops it and removes its folder.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ensureBuild } from "./prepare.mjs";
import { findFreePort } from "./ports";
import { startStack, type Stack } from "./stack";

export async function startThrowawayStack(options: {
  /** Prefix of the temporary data folder, e.g. "provisio-load-". */
  prefix: string;
  log?: (line: string) => void;
  /** Variables on top of the demo defaults (e.g. WORKER_CONCURRENCY). */
  env?: Record<string, string>;
}): Promise<Stack & { dispose: () => Promise<void> }> {
  ensureBuild();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), options.prefix));
  try {
    const stack = await startStack({
      mode: "prod",
      log: options.log ?? (() => undefined),
      env: {
        ...process.env,
        NODE_ENV: "production",
        PORT: String(await findFreePort()),
        PROVISIO_DATA_DIR: dataDir,
        PROVISIO_PG_PORT: String(await findFreePort()),
        PROVISIO_DEMO: "true",
        PROVISIO_DEMO_SIGNIN: "true",
        LOG_LEVEL: "warn",
        ...options.env,
      },
    });
    const dispose = async () => {
      await stack.stop();
      await rm(dataDir, { recursive: true, force: true });
    };
    return Object.assign(stack, { dispose });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
