// utils/logging: COIL_LOGS artifacts (graph_code, graphs, output_code, ...) like TORCH_LOGS.
// In: the COIL_LOGS environment variable or setLogs(). Out: whether an artifact is on, a sink to print to,
// and warnOnce for warnings the user should see once per process.

const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};

const enabled = new Set<string>((env.COIL_LOGS ?? "").split(",").map((s) => s.trim()).filter(Boolean));
let sink: (artifact: string, text: string) => void = (artifact, text) => console.log(`[coil:${artifact}]\n${text}`);

/** Known artifacts: graph_code (captured graphs), graphs (every stage's graph), aot_graphs, post_grad_graphs, output_code, fallbacks, recompiles, cache. */
export function setLogs(artifacts: string[] | string): void {
  enabled.clear();
  for (const a of typeof artifacts === "string" ? artifacts.split(",") : artifacts) if (a.trim()) enabled.add(a.trim());
}

export function logsEnabled(artifact: string): boolean {
  return enabled.has(artifact) || enabled.has("all") || (artifact !== "output_code" && enabled.has("graphs") && artifact.endsWith("graphs"));
}

export function log(artifact: string, text: string | (() => string)): void {
  if (!logsEnabled(artifact)) return;
  sink(artifact, typeof text === "function" ? text() : text);
}

/** Redirect log output (tests capture it). Returns the previous sink. */
export function setLogSink(fn: (artifact: string, text: string) => void): (artifact: string, text: string) => void {
  const prev = sink;
  sink = fn;
  return prev;
}

export function readEnv(name: string): string | undefined {
  return env[name];
}

const warned = new Set<string>();
let warnSink: (text: string) => void = (text) => console.warn(text);

/**
 * Print a warning the first time `id` is seen in this process (later calls with the same id are
 * silent). Returns whether it printed. Used where the user should know once (e.g. an unusable cache).
 */
export function warnOnce(id: string, text: string | (() => string)): boolean {
  if (warned.has(id)) return false;
  warned.add(id);
  warnSink(`[coil warning] ${typeof text === "function" ? text() : text}`);
  return true;
}

/** Redirect warnings (tests capture them) and forget which were printed. Returns the previous sink. */
export function setWarnSink(fn: (text: string) => void): (text: string) => void {
  const prev = warnSink;
  warnSink = fn;
  warned.clear();
  return prev;
}
