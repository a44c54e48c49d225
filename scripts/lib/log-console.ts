/**
 * What the launcher does with the JSON log lines of web and worker: every line goes to
 * `<data dir>/logs/<service>.log` as it is (JSON, for tools and support), and the console gets
 * one short human line per event, without the routine line of every API call, so the URL and the
 * demo users stay in view. `LOG_FORMAT=json` keeps the raw JSON on the console (production).
 */
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import path from "node:path";

const levels: Record<number, string> = { 10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal" };
/** Fields worth a glance on the console, in this order. */
const shownFields = ["path", "code", "durationMs", "status", "runId", "requestId", "environmentId", "job", "reason", "attempt"];
/** One line per API call: kept in the file, not on the console (unless it failed). */
const routine = new Set(["trpc call", "trpc call refused", "http request"]);

type LogRecord = { level?: number; time?: number | string; msg?: string; err?: { message?: string }; [key: string]: unknown };

/** The console text for one log line, or null when it only belongs in the file. */
export function summarizeLogLine(line: string): string | null {
  let record: LogRecord;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return line;
    record = parsed as LogRecord;
  } catch {
    // Not JSON (Next.js's own start-up lines): shown as they are.
    return line.trim() ? line : null;
  }
  const level = typeof record.level === "number" ? record.level : 30;
  const message = typeof record.msg === "string" ? record.msg : "";
  if (level < 40 && routine.has(message)) return null;
  const at = new Date(typeof record.time === "number" || typeof record.time === "string" ? record.time : Date.now());
  const time = Number.isNaN(at.getTime()) ? "--:--:--" : at.toISOString().slice(11, 19);
  const details = shownFields
    .filter((key) => record[key] !== undefined && record[key] !== null && typeof record[key] !== "object")
    .map((key) => `${key}=${String(record[key])}`);
  if (record.err?.message) details.push(record.err.message);
  const text = `${time} ${(levels[level] ?? "info").padEnd(5)} ${message}${details.length ? ` · ${details.join(" ")}` : ""}`;
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

export type LogSink = { write(service: string, line: string): void; close(): Promise<void>; dir: string };

/** Files under `dir` (one per service) and the console through `print`, in `format`. */
export function createLogSink(dir: string, format: "human" | "json", print: (line: string) => void): LogSink {
  mkdirSync(dir, { recursive: true });
  const files = new Map<string, WriteStream>();
  const fileFor = (service: string) => {
    let file = files.get(service);
    if (!file) {
      file = createWriteStream(path.join(dir, `${service}.log`), { flags: "a" });
      files.set(service, file);
    }
    return file;
  };
  return {
    dir,
    write(service, line) {
      fileFor(service).write(`${line}\n`);
      const prefix = `[${service}]`.padEnd(8);
      if (format === "json") print(`${prefix} ${line}`);
      else {
        const summary = summarizeLogLine(line);
        if (summary) print(`${prefix} ${summary}`);
      }
    },
    async close() {
      const open = [...files.values()];
      files.clear();
      await Promise.all(open.map((file) => new Promise<void>((resolve) => file.end(resolve))));
    },
  };
}
