// Plain Node (no TypeScript): this runs before dependencies are installed.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
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

/** Installs dependencies when node_modules is missing or older than the lock file. */
export function ensureDependencies() {
  const lock = path.join(root, "package-lock.json");
  const marker = path.join(root, "node_modules", ".package-lock.json");
  const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
  if (!stale) return;
  run("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], "installing dependencies (npm ci)");
}

// templates/ is not a build input: the launcher syncs it into the database at every start.
const buildInputs = ["app", "components", "server", "db", "types", "public"];
const buildFiles = ["proxy.ts", "next.config.ts", "postcss.config.mjs", "tsconfig.json", "package-lock.json"];

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

/** Builds the Next.js app when no build exists or its sources changed since. */
export function ensureBuild() {
  const stamp = path.join(root, ".next", "provisio-source-hash");
  const hash = sourceHash();
  const fresh = existsSync(path.join(root, ".next", "BUILD_ID")) && existsSync(stamp) && readFileSync(stamp, "utf8") === hash;
  if (fresh) return;
  run(process.execPath, [path.join(root, "node_modules", "next", "dist", "bin", "next"), "build"], "building the web app (next build)");
  writeFileSync(stamp, hash);
}
