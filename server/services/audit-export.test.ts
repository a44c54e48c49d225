import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { auditEvents } from "~/db/schema";
import { parseCsv } from "~/testing/csv";
import { createTestDatabase } from "~/testing/db";
import { auditCsvChunks, auditCsvColumns, auditExportFilename, csvCell, csvLine, exceedsCap } from "./audit-export";

async function collect(chunks: AsyncGenerator<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
}

describe("csvCell", () => {
  it.each([
    ["plain", "plain"],
    ["with, comma", '"with, comma"'],
    ['say "hi"', '"say ""hi"""'],
    ["two\nlines", '"two\nlines"'],
    ["cr\rlf", '"cr\rlf"'],
    ["", ""],
    [null, ""],
    [undefined, ""],
    [42, "42"],
    [-3, "-3"],
    [new Date("2025-03-14T10:11:12.345Z"), "2025-03-14T10:11:12.345Z"],
    [{ a: 1, b: "x" }, '"{""a"":1,""b"":""x""}"'],
  ])("writes %j as %s", (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it.each([
    ['=HYPERLINK("http://evil")', '"\'=HYPERLINK(""http://evil"")"'],
    ["+1+2", "'+1+2"],
    ["-2+3", "'-2+3"],
    ["@SUM(A1:A2)", "'@SUM(A1:A2)"],
    ["\t=1", "'\t=1"],
    ["\r=1", '"\'\r=1"'],
    ["=1,2", '"\'=1,2"'],
  ])("guards the formula %j as %s", (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it("leaves text with a formula character further in alone", () => {
    expect(csvCell("a=b")).toBe("a=b");
    expect(csvCell("team.created")).toBe("team.created");
  });

  it("ends every record with CRLF and reads back as the same cells", () => {
    const cells = ["a", 'q"uote', "x,y", "line\nbreak", "=cmd", ""];
    const line = csvLine(cells);
    expect(line.endsWith("\r\n")).toBe(true);
    expect(parseCsv(line)).toEqual([["a", 'q"uote', "x,y", "line\nbreak", "'=cmd", ""]]);
  });
});

describe("auditCsvChunks", () => {
  let db: Database;
  beforeAll(async () => {
    ({ db } = await createTestDatabase());
    await db.insert(auditEvents).values(
      Array.from({ length: 25 }, (_, i) => ({
        at: new Date(Date.UTC(2025, 2, 1, 0, i)),
        actorLabel: i === 7 ? "=evil@example.test" : "system",
        action: i % 2 ? "test.odd" : "test.even",
        subjectType: "test",
        subjectId: `s-${i}`,
        after: i === 3 ? { note: 'says "hi", twice\nand more' } : null,
        correlationId: i < 5 ? "first-five" : null,
      })),
    );
  });

  it("writes the header, then every matching row newest first, in batches", async () => {
    const chunks = await collect(auditCsvChunks(db, {}, { batchSize: 10 }));
    expect(chunks).toHaveLength(1 + 3);
    const [header, ...rows] = parseCsv(chunks.join(""));
    expect(header).toEqual([...auditCsvColumns]);
    expect(rows).toHaveLength(25);
    expect(rows.map((r) => r[7])).toEqual(Array.from({ length: 25 }, (_, i) => `s-${24 - i}`));
    expect(rows.every((r) => r.length === auditCsvColumns.length)).toBe(true);
  });

  it("escapes JSON and guards formulas in real rows", async () => {
    const [, ...rows] = parseCsv((await collect(auditCsvChunks(db, { correlationId: "first-five" }))).join(""));
    expect(rows).toHaveLength(5);
    const withNote = rows.find((r) => r[7] === "s-3")!;
    expect(JSON.parse(withNote[auditCsvColumns.indexOf("after")]!)).toEqual({ note: 'says "hi", twice\nand more' });
    expect(withNote[auditCsvColumns.indexOf("time")]).toBe("2025-03-01T00:03:00.000Z");
    const [, ...evil] = parseCsv(
      (await collect(auditCsvChunks(db, { action: "test.odd", from: "2025-03-01T00:07:00Z", to: "2025-03-01T00:07:00Z" }))).join(""),
    );
    expect(evil.map((r) => r[auditCsvColumns.indexOf("actor")])).toEqual(["'=evil@example.test"]);
  });

  it("stops at the cap, and says when the filter matches more", async () => {
    const [, ...rows] = parseCsv((await collect(auditCsvChunks(db, {}, { cap: 12, batchSize: 5 }))).join(""));
    expect(rows).toHaveLength(12);
    expect(rows[0]?.[7]).toBe("s-24");
    expect(await exceedsCap(db, {}, 12)).toBe(true);
    expect(await exceedsCap(db, {}, 25)).toBe(false);
    expect(await exceedsCap(db, { action: "test.odd" }, 12)).toBe(false);
  });

  it("writes only the header when nothing matches", async () => {
    expect(await collect(auditCsvChunks(db, { action: "nothing.here" }))).toEqual([csvLine(auditCsvColumns)]);
  });
});

describe("auditExportFilename", () => {
  it("carries the UTC date", () => {
    expect(auditExportFilename(new Date("2025-03-14T23:30:00-05:00"))).toBe("provisio-audit-2025-03-15.csv");
  });
});
