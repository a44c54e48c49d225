/** Reads templates/<name>/template.yaml (and module/ for terraform) from disk. */
import { existsSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { parseTemplateYaml, type ParsedTemplate } from "./parse";

export type TemplateFile = {
  folder: string;
  /** Path relative to the project, for messages. */
  file: string;
  text: string;
  moduleFiles: Record<string, string>;
  parsed: ParsedTemplate;
};

const maxModuleBytes = 512 * 1024;

async function readModule(dir: string): Promise<Record<string, string>> {
  const moduleDir = path.join(dir, "module");
  if (!existsSync(moduleDir)) return {};
  const files: Record<string, string> = {};
  let total = 0;
  for (const entry of await readdir(moduleDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    const relative = path.relative(dir, full);
    const text = await readFile(full, "utf8");
    total += text.length;
    if (total > maxModuleBytes) throw new Error(`${relative}: module/ is larger than ${maxModuleBytes / 1024} KB`);
    files[relative] = text;
  }
  return files;
}

export async function readTemplateFolders(templatesDir: string, projectRoot = path.dirname(templatesDir)): Promise<TemplateFile[]> {
  if (!existsSync(templatesDir)) return [];
  const entries = (await readdir(templatesDir, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith(".")).sort((a, b) => a.name.localeCompare(b.name));
  const results: TemplateFile[] = [];
  for (const entry of entries) {
    const dir = path.join(templatesDir, entry.name);
    const filePath = path.join(dir, "template.yaml");
    const relative = path.relative(projectRoot, filePath);
    const file = relative.startsWith("..") ? filePath : relative;
    if (!existsSync(filePath) || !(await stat(filePath)).isFile()) {
      results.push({ folder: entry.name, file, text: "", moduleFiles: {}, parsed: { ok: false, document: null, issues: [{ path: "", message: "template.yaml is missing", line: null, column: null }] } });
      continue;
    }
    const text = await readFile(filePath, "utf8");
    let moduleFiles: Record<string, string> = {};
    try {
      moduleFiles = await readModule(dir);
    } catch (error) {
      results.push({ folder: entry.name, file, text, moduleFiles, parsed: { ok: false, document: null, issues: [{ path: "", message: (error as Error).message, line: null, column: null }] } });
      continue;
    }
    const parsed = parseTemplateYaml(text, { folderName: entry.name, moduleFiles: Object.keys(moduleFiles), moduleSources: moduleFiles });
    results.push({ folder: entry.name, file, text, moduleFiles, parsed });
  }
  return results;
}
