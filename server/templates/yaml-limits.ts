/**
 * The shape a template's YAML must keep before anything parses it. Parsing is far from linear
 * on pathological input: 255 KB of nested `[` took the parser seconds per pass (and the editor
 * parses on every keystroke, in the browser and on the server), deep nesting overflows the
 * stack. The YAML lexer alone is linear and cheap, so it measures the text first, stopping at
 * the first limit broken. Shipped templates use about 1,500 tokens, two levels of flow nesting
 * and two block indicators per line: the limits leave an order of magnitude of room.
 * Browser-safe (the editor checks with it too).
 */
import { Lexer } from "yaml";
import { maxTemplateBytes } from "./format";

export const yamlLimits = {
  maxBytes: maxTemplateBytes,
  /** Lexer tokens: scalars, indicators, spaces, line breaks. */
  maxTokens: 25_000,
  /** `[` and `{` inside each other. */
  maxFlowDepth: 32,
  /** `-`, `?` and `:` on one line, each opening a nested block (`- - - x`). */
  maxIndicatorsPerLine: 16,
  /** Columns of indentation, so block nesting stays shallow too. */
  maxIndent: 128,
} as const;

export type YamlShapeProblem = { message: string; line: number | null; column: number | null };

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

// The lexer's markers (document start, scalar start, flow end…) are single control characters not in the text.
const isMarker = (token: string) => token.length === 1 && token.charCodeAt(0) < 0x20 && token !== "\n" && token !== "\t";
const isLineBreak = (token: string) => token === "\n" || token === "\r\n";

/** The first limit `text` breaks, with where, or null when it may be parsed. */
export function yamlShapeProblem(text: string): YamlShapeProblem | null {
  if (text.length > yamlLimits.maxBytes || utf8Length(text) > yamlLimits.maxBytes) {
    return { message: `the file is larger than ${yamlLimits.maxBytes / 1024} KB`, line: null, column: null };
  }
  let tokens = 0;
  let offset = 0;
  let flow = 0;
  let indicators = 0;
  let lineStart = true;
  const at = (message: string): YamlShapeProblem => ({ message, ...position(text, offset) });
  for (const token of new Lexer().lex(text)) {
    if (++tokens > yamlLimits.maxTokens) return at(`the file has too many elements (more than ${yamlLimits.maxTokens.toLocaleString("en-US")} tokens)`);
    if (isMarker(token)) continue;
    if (isLineBreak(token)) {
      indicators = 0;
      lineStart = true;
    } else {
      if (lineStart && /^ +$/.test(token) && token.length > yamlLimits.maxIndent) return at(`is indented more than ${yamlLimits.maxIndent} columns`);
      lineStart = false;
      if (token === "[" || token === "{") {
        if (++flow > yamlLimits.maxFlowDepth) return at(`is nested too deeply (more than ${yamlLimits.maxFlowDepth} levels of [ and {)`);
      } else if (token === "]" || token === "}") flow = Math.max(0, flow - 1);
      else if ((token === "-" || token === "?" || token === ":") && ++indicators > yamlLimits.maxIndicatorsPerLine) {
        return at(`is nested too deeply (more than ${yamlLimits.maxIndicatorsPerLine} levels on one line)`);
      }
    }
    offset += token.length;
  }
  return null;
}
