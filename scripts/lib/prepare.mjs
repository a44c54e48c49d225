// Plain Node (no TypeScript): this runs before dependencies are installed.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "..");

function run(command, args, label) {
  const started = Date.now();
  console.log(`provisio: ${label}…`);
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (result.status !== 0) {
    console.error(`provisio: ${label} failed (exit ${result.status ?? result.signal}).`);
    process.exit(result.status ?? 1);
  }
  console.log(`provisio: ${label} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Where `npm start` keeps the output of install and build (next to the web and worker logs). */
export const logDir = path.join(root, process.env.PROVISIO_DATA_DIR || ".data", "logs");

/** The phases `next build` prints, as the step's note. */
const buildPhases = [
  [/Creating an optimized production build/, "compiling"],
  [/Compiled successfully|Compiled with warnings/, "compiled"],
  [/Running TypeScript|Linting and checking/, "type-checking"],
  [/Collecting page data/, "collecting page data"],
  [/Generating static pages/, "generating pages"],
  [/Finalizing page optimization|Collecting build traces/, "finalizing"],
];

/**
 * Runs a command as a progress step: its output goes to `<logDir>/<name>.log`, the step shows
 * the phase it is in and its elapsed time; on failure the end of the log is printed.
 */
function runStep(progress, command, args, label, name, phases = []) {
  mkdirSync(logDir, { recursive: true });
  const file = path.join(logDir, `${name}.log`);
  const out = createWriteStream(file);
  const step = progress.step(label);
  let tail = [];
  let warnings = 0;
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: root,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const onData = (chunk) => {
      out.write(chunk);
      for (const line of chunk.toString().split(/\r?\n/)) {
        if (!line.trim()) continue;
        tail = [...tail.slice(-29), line];
        if (/^\s*(⚠|Warning:)/.test(line)) warnings++;
        for (const [pattern, note] of phases) if (pattern.test(line)) step.note(note);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("close", (code, signal) => {
      out.end();
      if (code === 0) {
        step.done(warnings ? `— ${warnings} warning${warnings === 1 ? "" : "s"}, see ${path.relative(root, file)}` : "");
        return resolve();
      }
      step.fail(`(exit ${code ?? signal}); the end of ${path.relative(root, file)}:`);
      for (const line of tail) progress.line(`      ${line}`);
      process.exit(code ?? 1);
    });
  });
}

function installStale() {
  const lock = path.join(root, "package-lock.json");
  const marker = path.join(root, "node_modules", ".package-lock.json");
  return !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
}

/** Installs dependencies when node_modules is missing or older than the lock file. With `progress`, as a step with its output in the log folder. */
export async function ensureDependencies(progress) {
  if (!installStale()) {
    progress?.line("  ✓ Dependencies up to date");
    return;
  }
  const args = ["ci", "--no-audit", "--no-fund", "--loglevel=error"];
  if (progress) return runStep(progress, "npm", args, "Installing dependencies (npm ci)", "install");
  run("npm", args, "installing dependencies (npm ci)");
}

// templates/ is not a build input: the launcher syncs it into the database at every start.
const buildInputs = ["app", "components", "server", "db", "types", "public"];
const buildFiles = ["proxy.ts", "next.config.mjs", "postcss.config.mjs", "tsconfig.json", "package-lock.json"];

function listFiles(dir, out) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) listFiles(full, out);
    else if (!entry.name.endsWith(".test.ts")) out.push(full);
  }
}

/** A hash of everything the production build is made from. */
export function sourceHash() {
  const files = [];
  for (const dir of buildInputs) listFiles(path.join(root, dir), files);
  for (const file of buildFiles) if (existsSync(path.join(root, file))) files.push(path.join(root, file));
  const hash = createHash("sha256");
  for (const file of files.sort()) {
    hash.update(path.relative(root, file));
    hash.update(readFileSync(file));
  }
  return hash.digest("hex");
}

/** Builds the Next.js app when no build exists or its sources changed since. With `progress`, as a step (returns a promise). */
export function ensureBuild(progress) {
  const stamp = path.join(root, ".next", "provisio-source-hash");
  const hash = sourceHash();
  const fresh = existsSync(path.join(root, ".next", "BUILD_ID")) && existsSync(stamp) && readFileSync(stamp, "utf8") === hash;
  const nextArgs = [path.join(root, "node_modules", "next", "dist", "bin", "next"), "build"];
  if (progress) {
    if (fresh) {
      progress.line("  ✓ Web app build is up to date");
      return Promise.resolve();
    }
    return runStep(
      progress,
      process.execPath,
      nextArgs,
      "Building the web app (next build, a few minutes the first time)",
      "build",
      buildPhases,
    ).then(() => writeFileSync(stamp, hash));
  }
  if (fresh) return;
  run(process.execPath, nextArgs, "building the web app (next build)");
  writeFileSync(stamp, hash);
}
