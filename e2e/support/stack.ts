/**
 * The system under test for Playwright: the production build on a throwaway embedded
 * PostgreSQL (its own data directory and port, removed afterwards), web + worker, demo users,
 * and a local OpenID Connect provider. Started by playwright.config.ts as its webServer.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ensureBuild } from "../../scripts/lib/prepare.mjs";
import { findFreePort } from "../../scripts/lib/ports";
import { startStack } from "../../scripts/lib/stack";
import { defaultSimConfig } from "../../server/engines/sim/cloud/config";
import { E2E_IDP_PORT, E2E_PORT } from "./ports";
import { startTestIdp } from "./oidc-provider";

ensureBuild();
const dataDir = await mkdtemp(path.join(os.tmpdir(), "provisio-e2e-"));
const idp = await startTestIdp({ port: E2E_IDP_PORT, redirectUri: `http://localhost:${E2E_PORT}/api/auth/callback/oidc` });
const verbose = process.env.E2E_VERBOSE === "1";

const stack = await startStack({
  mode: "prod",
  log: (line) => {
    if (verbose || !line.startsWith("[")) console.log(line);
  },
  env: {
    ...process.env,
    NODE_ENV: "production",
    PORT: String(E2E_PORT),
    PROVISIO_DATA_DIR: dataDir,
    PROVISIO_PG_PORT: String(await findFreePort()),
    PROVISIO_DEMO: "true",
    PROVISIO_DEMO_SIGNIN: "true",
    OIDC_ISSUER: idp.issuer,
    OIDC_CLIENT_ID: idp.clientId,
    OIDC_CLIENT_SECRET: idp.clientSecret,
    OIDC_NAME: "Test IdP",
    LOG_LEVEL: "warn",
    // Every browser test signs in from this machine's address: lift the per-address attempt cap (its own test is
    // server/auth/sign-in-throttle.test.ts); the per-email failure cap stays at its default and has a browser test.
    PROVISIO_SIGNIN_ATTEMPTS_PER_MINUTE: "10000",
    // The simulated cloud boots at a fifth of the demo's pace (its defaults: server/engines/sim/cloud/config.ts):
    // the journeys make some thirty environments and wait for their states, never for durations; still above
    // zero, so every apply goes through the engine's "booting … wait until ready" path as in the demo.
    PROVISIO_SIM_FAULTS:
      process.env.PROVISIO_SIM_FAULTS ??
      JSON.stringify({
        bootDelayMs: Object.fromEntries(Object.entries(defaultSimConfig.bootDelayMs).map(([type, ms]) => [type, Math.max(1, Math.round(ms / 5))])),
      }),
  },
}).catch(async (error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  await idp.close();
  await rm(dataDir, { recursive: true, force: true });
  process.exit(1);
});
console.log(`e2e stack ready at ${stack.url} (Node ${process.version})`);

let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  await stack.stop();
  await idp.close();
  await rm(dataDir, { recursive: true, force: true });
  process.exit(code);
}
process.on("SIGTERM", () => void shutdown(0));
process.on("SIGINT", () => void shutdown(0));
// A single crash is restarted by the stack (and logged); repeated crashes end the run.
void stack.gaveUp.then((reason) => {
  if (stopping) return;
  console.error(`the stack gave up during the browser tests: ${reason}`);
  void shutdown(1);
});
