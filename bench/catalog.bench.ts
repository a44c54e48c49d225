/**
 * Catalog benchmarks (`npm run bench`): how long validating, planning, costing and syncing the
 * shipped templates takes, and how fast the catalog list answers, on a real embedded
 * PostgreSQL. Prints figures; asserts nothing.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { connect, disconnectAll } from "~/db/client";
import { migrateDatabase } from "~/db/migrate";
import { startEmbeddedPostgres } from "~/scripts/lib/embedded-pg";
import { findFreePort } from "~/scripts/lib/ports";
import { parameterDefaults } from "~/server/schemas/template-parameters";
import { listCatalog } from "~/server/services/catalog";
import { syncTemplates } from "~/server/services/template-sync";
import { estimateCostRange } from "~/server/templates/cost-range";
import { readTemplateFolders } from "~/server/templates/files";
import { parseTemplateYaml } from "~/server/templates/parse";
import { planTemplate } from "~/server/templates/plan";

const root = path.resolve(import.meta.dirname, "..");
const templatesDir = path.join(root, "templates");

function measure(label: string, runs: number, fn: () => unknown) {
  for (let i = 0; i < Math.min(20, runs); i++) fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  report(label, times);
}

async function measureAsync(label: string, runs: number, fn: () => Promise<unknown>) {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  report(label, times);
}

function report(label: string, times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  console.log(`${label.padEnd(52)} median ${at(0.5).toFixed(3).padStart(8)} ms   p95 ${at(0.95).toFixed(3).padStart(8)} ms   (${times.length} runs)`);
}

const files = await readTemplateFolders(templatesDir, root);
const valid = files.flatMap((f) => (f.parsed.ok ? [{ ...f, document: f.parsed.document }] : []));
console.log(`catalog benchmarks: ${valid.length} templates, Node ${process.version}, ${os.cpus().length} cores\n`);

measure("parse + validate all templates (templates:check core)", 50, () => {
  for (const f of files) parseTemplateYaml(f.text, { folderName: f.folder, moduleFiles: Object.keys(f.moduleFiles) });
});
for (const f of valid) {
  measure(`  cost range of ${f.folder}`, 30, () => estimateCostRange(f.document));
}
const web = valid.find((f) => f.folder === "web-service");
if (web) {
  const params = parameterDefaults(web.document.spec.parameters);
  measure("plan web-service at defaults (a request form keystroke)", 500, () =>
    planTemplate("web-service", web.document.spec, params, { environmentName: "bench", tier: "dev", team: "bench" }),
  );
}

const dataDir = await mkdtemp(path.join(os.tmpdir(), "provisio-bench-"));
const pg = await startEmbeddedPostgres({ dataDir, port: await findFreePort(), database: "provisio_bench", onNotice: () => undefined });
try {
  await migrateDatabase(pg.url);
  const { db } = connect(pg.url);
  const first = performance.now();
  const published = await syncTemplates(db, templatesDir, root);
  console.log(
    `${"first sync: publish the whole catalog".padEnd(52)} ${(performance.now() - first).toFixed(1).padStart(8)} ms   (${published.published.length} versions)`,
  );
  await measureAsync("re-sync on start, nothing changed", 10, () => syncTemplates(db, templatesDir, root));
  await measureAsync("catalog.list query (newest version per template)", 50, () => listCatalog(db));
  const memory = process.memoryUsage();
  console.log(`\nmemory: rss ${(memory.rss / 1048576).toFixed(0)} MiB, heap used ${(memory.heapUsed / 1048576).toFixed(0)} MiB`);
} finally {
  await disconnectAll();
  await pg.stop();
  await rm(dataDir, { recursive: true, force: true });
}
