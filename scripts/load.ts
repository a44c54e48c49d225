/**
 * `npm run test:load` (the smoke in `npm test`: 50 users × 20 s) and `npm run soak` (200 users × 60 s):
 * the production build on its own throwaway embedded PostgreSQL, signed-in users hammering tRPC
 * queries and pages. Prints rps, latency percentiles, answers by class and memory; exits 1 on any
 * 5xx, any other non-2xx, or any connection error.
 *
 *   tsx scripts/load.ts [--users N] [--seconds N]
 */
import { parseArgs } from "node:util";
import { describeLoad, loadProblems, runLoad } from "./lib/load";
import { startThrowawayStack } from "./lib/throwaway-stack";

const { values } = parseArgs({
  options: { users: { type: "string", default: "50" }, seconds: { type: "string", default: "20" }, verbose: { type: "boolean", default: false } },
});
const users = Number(values.users);
const seconds = Number(values.seconds);
if (!Number.isInteger(users) || users < 1 || users > 2_000) throw new Error("--users: a whole number from 1 to 2000");
if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3_600) throw new Error("--seconds: a whole number from 1 to 3600");

let exitCode = 1;
try {
  const stack = await startThrowawayStack({
    prefix: "provisio-load-",
    log: (line) => {
      if (values.verbose || !line.startsWith("[")) console.log(line);
    },
  });
  try {
    console.log(`load: ${users} users × ${seconds} s against the production build at ${stack.url}`);
    const figures = await runLoad({ baseUrl: stack.url, users, seconds, pids: stack.pids });
    for (const line of describeLoad(figures)) console.log(line);
    const problems = loadProblems(figures);
    for (const problem of problems) console.log(`load: FAILED: ${problem}`);
    exitCode = problems.length ? 1 : 0;
  } finally {
    await stack.dispose();
  }
} catch (error) {
  console.error(`load: ${error instanceof Error ? error.message : String(error)}`);
}
process.exit(exitCode);
