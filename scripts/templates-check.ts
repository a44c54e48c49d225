/**
 * `npm run templates:check [folder]`: validates every template under templates/ (or under the
 * given folder, or the one template folder given) and prints each problem as `file:line:column field.path: message`. Exit 1 on any.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { formatCents } from "~/components/format/money";
import { estimateCostRange } from "~/server/templates/cost-range";
import { readTemplateFolders } from "~/server/templates/files";
import { describeIssue } from "~/server/templates/parse";

const root = path.resolve(import.meta.dirname, "..");
const target = path.resolve(process.cwd(), process.argv[2] ?? path.join(root, "templates"));
// Either a folder of template folders, or one template folder (it holds a template.yaml).
const single = existsSync(path.join(target, "template.yaml"));
const dir = single ? path.dirname(target) : target;
const files = (await readTemplateFolders(dir, process.cwd())).filter((f) => !single || f.folder === path.basename(target));

if (files.length === 0) {
  console.error(`templates:check: no template folders found in ${dir}`);
  process.exit(1);
}

let problems = 0;
for (const t of files) {
  if (!t.parsed.ok) {
    problems += t.parsed.issues.length;
    for (const issue of t.parsed.issues) console.error(`✗ ${describeIssue(t.file, issue)}`);
    continue;
  }
  const { metadata, spec } = t.parsed.document;
  const range = estimateCostRange(t.parsed.document);
  const cost =
    range.minMonthlyCents === range.maxMonthlyCents
      ? formatCents(range.minMonthlyCents)
      : `${formatCents(range.minMonthlyCents)}–${formatCents(range.maxMonthlyCents)}`;
  console.log(
    `✓ ${metadata.name.padEnd(24)} ${spec.version.padEnd(8)} ${spec.engine.padEnd(9)} ${String(spec.resources.length).padStart(2)} resources  ${spec.tiers.join("/").padEnd(16)} ${cost}/month`,
  );
}
const valid = files.filter((f) => f.parsed.ok).length;
console.log(`\ntemplates:check: ${valid} of ${files.length} templates valid, ${problems} problem${problems === 1 ? "" : "s"}`);
process.exit(problems === 0 ? 0 : 1);
