// tools/browser/run: the optional in-browser check of the Wasm backend. Builds the ESM (`npm run build` -> dist/),
// serves it from a tiny http server with the cross-origin isolation headers (COOP same-origin, COEP require-corp:
// SharedArrayBuffer and so Web Worker threads), maps the node:* built-ins to tools/browser/node_shim.js with an
// import map, and loads tools/browser/page.js in headless chromium (--dump-dom). In: flags --no-build,
// --logs (print the page's console), --chromium=PATH, --page=FILE (another page script writing #result; /near/NAME.js serves files next to it), --isolated=0 (serve without COOP/COEP: the single-thread fallback). Out: the page's JSON
// result on stdout (exit 1 when chromium fails or the page reports an error).
// Usage: npx tsx tools/browser/run.ts [--no-build]

import { spawnSync, spawn } from "node:child_process";
import { createServer } from "node:http";
import { readFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { join, normalize, dirname } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const args = process.argv.slice(2);
const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const chromium = flag("chromium") ?? "/usr/bin/chromium";
const isolated = flag("isolated") !== "0";
const pageFile = flag("page") ?? join(root, "tools/browser/page.js");
const BUILTINS = ["fs", "os", "path", "url", "crypto", "worker_threads", "v8"];

const page = `<!doctype html>
<html><head><meta charset="utf-8"><title>coil wasm in a browser</title>
<script type="importmap">${JSON.stringify({ imports: Object.fromEntries(BUILTINS.map((b) => [`node:${b}`, "/shim.js"])) })}</script>
</head><body><pre id="result">pending</pre><script type="module" src="/page.js"></script></body></html>`;

/** Serve / (the page), /page.js, /shim.js and /dist/**, with the isolation headers on every response. */
function serve(): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const headers: Record<string, string> = isolated
      ? { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" }
      : {};
    let file: string | null = null, body: string | Buffer | null = null;
    if (path === "/") body = page;
    else if (path === "/page.js") file = pageFile;
    else if (path === "/shim.js") file = join(root, "tools/browser/node_shim.js");
    else if (/^\/near\/[\w.-]+\.js$/.test(path)) file = join(dirname(pageFile), path.slice(6)); // next to the page script
    else if (path.startsWith("/dist/")) {
      const p = normalize(join(root, path));
      if (p.startsWith(join(root, "dist"))) file = p;
    }
    if (file && existsSync(file)) body = readFileSync(file);
    if (body === null) { res.writeHead(404, headers); res.end(); return; }
    const type = path === "/" ? "text/html" : path.endsWith(".js") ? "text/javascript" : path.endsWith(".json") ? "application/json" : "application/octet-stream";
    res.writeHead(200, { ...headers, "Content-Type": `${type}; charset=utf-8`, "Cache-Control": "no-store" });
    res.end(body);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => {
    resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close() });
  }));
}

function runChromium(url: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const profile = mkdtempSync(join(tmpdir(), "coil-browser-profile-"));
  const argv = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--enable-logging=stderr", "--v=0", `--user-data-dir=${profile}`, "--virtual-time-budget=60000", "--dump-dom", url];
  return new Promise((resolve) => {
    const p = spawn(chromium, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => p.kill("SIGKILL"), 240000);
    p.on("close", (code) => { clearTimeout(timer); rmSync(profile, { recursive: true, force: true }); resolve({ code, stdout, stderr }); });
  });
}

async function main(): Promise<void> {
  if (!existsSync(chromium)) throw new Error(`no chromium at ${chromium} (apt-get install chromium, or pass --chromium=PATH)`);
  if (!args.includes("--no-build")) {
    const b = spawnSync("npm", ["run", "build"], { cwd: root, encoding: "utf8" });
    if (b.status !== 0 && !existsSync(join(root, "dist/index.js"))) throw new Error(`npm run build failed:\n${b.stdout}\n${b.stderr}`);
    if (b.status !== 0) console.error(`warning: npm run build reported errors (dist/ was still written):\n${b.stdout.slice(-2000)}`);
  }
  const srv = await serve();
  try {
    const r = await runChromium(srv.url);
    const m = /<pre id="result">([\s\S]*?)<\/pre>/.exec(r.stdout);
    if (!m) throw new Error(`chromium (exit ${r.code}) printed no result:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-3000)}`);
    const text = m[1]!.replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
    console.log(text);
    if (text === "pending" || JSON.parse(text).error || args.includes("--logs")) {
      // the page's console (an import that failed before the page's try block, say)
      const logs = r.stderr.split("\n").filter((l) => /CONSOLE|Uncaught|ERROR:.*(js|module)/i.test(l)).slice(-20);
      console.error(logs.join("\n"));
      process.exitCode = 1;
    }
  } finally {
    srv.close();
  }
}

main().catch((e) => { console.error(String(e?.message ?? e)); process.exitCode = 1; });
