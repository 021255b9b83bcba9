// dynamo/source: where things come from in the user's code. Re-exports the parameter-name parser of
// fx (to name placeholders like Dynamo's `l_x_`) and finds the user's frame in an Error stack (to name
// the line that caused a graph break). In: functions / stacks. Out: names and locations.

export { parseParams, type ParamInfo } from "../fx/param_names.js";

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
