// dynamo/source: where things come from in the user's code. Parses a function's parameter names from
// its source text (to name placeholders like Dynamo's `l_x_`) and finds the user's frame in an Error
// stack (to name the line that caused a graph break). In: functions / stacks. Out: names and locations.

/** Split a parameter list at top-level commas (ignores commas inside (), [], {}, strings, templates). */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let cur = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      cur += c;
      if (c === "\\") { cur += s[++i] ?? ""; continue; }
      if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"' || c === "`") { quote = c; cur += c; continue; }
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    if (c === "," && depth === 0) { out.push(cur); cur = ""; continue; }
    cur += c;
  }
  if (cur.trim()) out.push(cur);
  return out;
}

/** Strip // and block comments (good enough for parameter lists). */
function stripComments(s: string): string {
  return s.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/[^\n]*/g, "");
}

export interface ParamInfo {
  /** One name per positional parameter; null where it is destructured or otherwise unnamed. */
  names: (string | null)[];
  /** Name of a rest parameter (`...args`), if any. */
  rest: string | null;
}

/**
 * Parameter names of a function from its source (`(x, y) => ..`, `x => ..`, `function f(a, b = 1) {..}`,
 * `forward(x) {..}`, `async (..) => ..`). Destructured parameters give null; unparsable sources give [].
 */
export function parseParams(fn: (...args: never[]) => unknown): ParamInfo {
  let src: string;
  try {
    src = stripComments(Function.prototype.toString.call(fn)).trim();
  } catch {
    return { names: [], rest: null };
  }
  src = src.replace(/^async\s+/, "");
  // Single bare parameter arrow: `x => ...`
  const bare = /^([A-Za-z_$][\w$]*)\s*=>/.exec(src);
  if (bare) return { names: [bare[1]!], rest: null };
  const open = src.indexOf("(");
  if (open < 0) return { names: [], rest: null };
  let depth = 0;
  let close = -1;
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (c === "(") depth++;
    else if (c === ")") { depth--; if (depth === 0) { close = i; break; } }
  }
  if (close < 0) return { names: [], rest: null };
  const names: (string | null)[] = [];
  let rest: string | null = null;
  for (const raw of splitTopLevel(src.slice(open + 1, close))) {
    const p = raw.trim();
    if (!p) continue;
    if (p.startsWith("...")) {
      const m = /^\.\.\.\s*([A-Za-z_$][\w$]*)/.exec(p);
      rest = m ? m[1]! : null;
      break;
    }
    const m = /^([A-Za-z_$][\w$]*)\s*(?:[=:?]|$)/.exec(p);
    names.push(m ? m[1]! : null);
  }
  return { names, rest };
}

/** Where in coil's own sources this file lives (frames under it are not the user's). */
const srcRoot: string = (() => {
  try {
    const u = new URL("../", import.meta.url);
    return u.protocol === "file:" ? decodeURIComponent(u.pathname) : u.href;
  } catch {
    return "\u0000";
  }
})();

export interface UserFrame {
  /** "file:line:col" */
  location: string;
  /** The source line's text when the file is readable (Node), else null. */
  text: string | null;
}

/** The first stack frame outside coil's src/ and Node internals: the user's line. */
export function userFrame(stack: string | undefined): UserFrame | null {
  if (!stack) return null;
  for (const line of stack.split("\n").slice(1)) {
    const m = /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?\s*$/.exec(line.trim());
    if (!m) continue;
    const file = m[1]!.startsWith("file://") ? decodeURIComponent(m[1]!.slice("file://".length)) : m[1]!;
    if (file.startsWith("node:") || file.startsWith(srcRoot) || file.includes("/node_modules/")) continue;
    return { location: `${file}:${m[2]}:${m[3]}`, text: readLine(file, Number(m[2])) };
  }
  return null;
}

function readLine(file: string, lineNo: number): string | null {
  try {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const fs = proc?.getBuiltinModule?.("node:fs") as { readFileSync(p: string, enc: string): string } | undefined;
    if (!fs) return null;
    const l = fs.readFileSync(file, "utf8").split("\n")[lineNo - 1];
    return l === undefined ? null : l.trim();
  } catch {
    return null;
  }
}

/** "at file:line:col: `text`" for messages. */
export function describeFrame(f: UserFrame | null): string {
  if (!f) return "at an unknown location";
  return f.text ? `at ${f.location}: \`${f.text}\`` : `at ${f.location}`;
}
