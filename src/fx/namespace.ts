// fx/namespace: unique, legal JS identifiers for graph nodes and generated-code globals (torch.fx's
// _Namespace): `cos`, `cos_1`, `cos_2`; snake_case; no JS reserved words, no Python builtins.
// In: candidate names. Out: unique identifiers.

const JS_RESERVED = [
  "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else",
  "export", "extends", "false", "finally", "for", "function", "if", "import", "in", "instanceof", "new",
  "null", "return", "super", "switch", "this", "throw", "true", "try", "typeof", "var", "void", "while",
  "with", "yield", "let", "static", "enum", "await", "implements", "package", "protected", "interface",
  "private", "public", "arguments", "eval", "undefined", "NaN", "Infinity", "async", "of", "get", "set",
];
// Python keywords and builtins torch.fx avoids, so names match PyTorch's printed graphs (sum -> sum_1).
const PY_RESERVED = [
  "and", "as", "assert", "def", "del", "elif", "except", "from", "global", "is", "lambda", "nonlocal",
  "not", "or", "pass", "raise", "None", "True", "False", "abs", "all", "any", "bin", "bool", "callable",
  "chr", "dict", "dir", "divmod", "enumerate", "filter", "float", "format", "frozenset", "getattr",
  "globals", "hasattr", "hash", "hex", "id", "input", "int", "isinstance", "iter", "len", "list",
  "locals", "map", "max", "min", "next", "object", "oct", "open", "ord", "pow", "print", "range", "repr",
  "reversed", "round", "setattr", "slice", "sorted", "str", "sum", "super", "tuple", "type", "vars", "zip",
];
export const RESERVED_NAMES: ReadonlySet<string> = new Set([...JS_RESERVED, ...PY_RESERVED]);

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
export function isIdentifier(s: string): boolean {
  return IDENT.test(s) && !RESERVED_NAMES.has(s);
}

/** CamelCase -> camel_case (torch.fx's _snake_case): "logSoftmax" -> "log_softmax", "L_x_" -> "l_x_". */
export function snakeCase(s: string): string {
  return s.replace(/(?<=[a-z])([A-Z])/g, "_$1").toLowerCase();
}

/** Replace characters illegal in identifiers by `_`; prefix `_` when it starts with a digit. */
export function sanitize(s: string): string {
  let c = s.replace(/[^0-9a-zA-Z_]+/g, "_");
  if (!c) c = "_unnamed";
  if (/^[0-9]/.test(c)) c = `_${c}`;
  return c;
}

export class Namespace {
  readonly used = new Set<string>();
  readonly #baseCount = new Map<string, number>();

  /** Create a unique identifier from a candidate ("cos" -> "cos", then "cos_1", "cos_2"). */
  create(candidate: string): string {
    const c = sanitize(candidate);
    const m = /^(.*)_(\d+)$/.exec(c);
    let base = c;
    let num: number | null = null;
    if (m) {
      base = m[1]!;
      num = Number(m[2]);
    }
    let name = num === null ? base : `${base}_${num}`;
    if (!num) num = this.#baseCount.get(base) ?? 0;
    while (this.used.has(name) || RESERVED_NAMES.has(name)) {
      num++;
      name = `${base}_${num}`;
    }
    this.used.add(name);
    this.#baseCount.set(base, num);
    return name;
  }

  /** Mark a name as taken (without suffixing). */
  reserve(name: string): void {
    this.used.add(name);
  }
}
