// fx/param_names: parameter names of a JS function, read from its source text. Shared by symbolic
// tracing (fx), capture (dynamo, to name placeholders like `l_x_`) and register_replacement (pattern
// matcher, KeywordArg names). In: a function. Out: its positional parameter names and rest parameter.

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

/** Positional parameter names; destructured parameters become `arg<i>`, a rest parameter is dropped. */
export function parameterNames(fn: (...a: never[]) => unknown): string[] {
  return parseParams(fn).names.map((n, i) => n ?? `arg${i}`);
}
