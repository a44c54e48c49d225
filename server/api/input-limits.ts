/**
 * Limits every API input must keep before its schema even looks at it, so bad input is refused
 * early and cheaply: bounded nesting, value count, keys per object, array and string lengths,
 * and no control characters in any string or key (PostgreSQL refuses NUL, and the others have
 * no business in names, comments or search boxes; tab, line feed and carriage return stay
 * allowed for text areas). One iterative walk, so a deep input cannot overflow the stack.
 */
import { maxTemplateBytes } from "~/server/templates/format";

export const inputLimits = {
  /** Levels of objects and arrays; our inputs use three at most. */
  maxDepth: 12,
  /** Values in the whole input (every key's value and array element counts one). */
  maxValues: 5_000,
  /** Keys of one object: a template has at most 40 parameters. */
  maxKeys: 100,
  maxArrayLength: 1_000,
  maxKeyLength: 200,
  /** The longest text an input may carry: a template draft. */
  maxStringLength: maxTemplateBytes,
} as const;

// Every C0 control but tab, line feed and carriage return; DEL; and the C1 controls.

const controlCharacter = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** The first control character of `text` as "U+0000", or null when it has none. */
export function controlCharacterIn(text: string): string | null {
  const match = controlCharacter.exec(text);
  return match ? `U+${match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}` : null;
}

// Half of a UTF-16 surrogate pair without its other half: not a character at all. Stored in JSON,
// PostgreSQL refuses it ("unsupported Unicode escape sequence") and the call would fail as a fault.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The first lone surrogate of `text` as "U+D800", or null when the text is well-formed Unicode. */
export function loneSurrogateIn(text: string): string | null {
  const match = loneSurrogate.exec(text);
  return match ? `U+${match[0].charCodeAt(0).toString(16).toUpperCase()}` : null;
}

export type InputProblem = { path: string; message: string };

const printableKey = (key: string) => (key.length > 40 ? `${key.slice(0, 39)}…` : key).replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
const join = (path: string, key: string | number) =>
  path ? `${path}.${typeof key === "number" ? key : printableKey(key)}` : typeof key === "number" ? String(key) : printableKey(key);

function textProblem(text: string, path: string, limit: number): InputProblem | null {
  if (text.length > limit) return { path: path || "input", message: `at most ${limit.toLocaleString("en-US")} characters` };
  const control = controlCharacterIn(text);
  if (control) return { path: path || "input", message: `must not contain control characters (found ${control})` };
  const lone = loneSurrogateIn(text);
  return lone ? { path: path || "input", message: `must be valid Unicode text (found a lone surrogate ${lone})` } : null;
}

function keyProblem(key: string, path: string, limit: number): InputProblem | null {
  if (key.length > limit) return { path: path || "input", message: `has a key longer than ${limit} characters` };
  const control = controlCharacterIn(key);
  if (control) return { path: path || "input", message: `has a key with a control character (${control})` };
  const lone = loneSurrogateIn(key);
  return lone ? { path: path || "input", message: `has a key that is not valid Unicode (a lone surrogate ${lone})` } : null;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * The first way `input` breaks the limits, with the dotted path of the field ("parameters.x",
 * "ids.3"; "input" for the whole), or null when it keeps them. Values of other types (numbers,
 * booleans, dates) are left to the schema.
 */
export function inputProblem(input: unknown, limits: typeof inputLimits = inputLimits): InputProblem | null {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: input, path: "", depth: 0 }];
  let values = 0;
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (++values > limits.maxValues) return { path: "input", message: `is too large (at most ${limits.maxValues.toLocaleString("en-US")} values)` };
    if (typeof value === "string") {
      const problem = textProblem(value, path, limits.maxStringLength);
      if (problem) return problem;
      continue;
    }
    if (typeof value !== "object" || value === null) continue;
    if (depth >= limits.maxDepth) return { path: path || "input", message: `is nested too deeply (at most ${limits.maxDepth} levels)` };
    if (Array.isArray(value)) {
      if (value.length > limits.maxArrayLength)
        return { path: path || "input", message: `at most ${limits.maxArrayLength.toLocaleString("en-US")} items` };
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i] as unknown, path: join(path, i), depth: depth + 1 });
      continue;
    }
    if (!isPlainObject(value)) continue;
    const keys = Object.keys(value);
    if (keys.length > limits.maxKeys) return { path: path || "input", message: `has too many keys (at most ${limits.maxKeys})` };
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      const problem = keyProblem(key, path, limits.maxKeyLength);
      if (problem) return problem;
      stack.push({ value: value[key], path: join(path, key), depth: depth + 1 });
    }
  }
  return null;
}
