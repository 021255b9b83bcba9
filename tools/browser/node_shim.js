// tools/browser/node_shim: the `node:*` built-ins coil's platform files import, for a browser page (mapped by
// an import map; a bundler would alias them the same way). coil reaches none of the file-system paths in a
// browser when the disk cache is off; sha256 (cache keys) is real. In: nothing. Out: the named exports.

const unavailable = (what) => () => { throw new Error(`${what} is not available in a browser`); };

// node:fs (the disk cache store only; callers catch these errors)
export const closeSync = unavailable("fs.closeSync"), fsyncSync = unavailable("fs.fsyncSync"), mkdirSync = unavailable("fs.mkdirSync");
export const openSync = unavailable("fs.openSync"), readFileSync = unavailable("fs.readFileSync"), readdirSync = unavailable("fs.readdirSync");
export const renameSync = unavailable("fs.renameSync"), statSync = unavailable("fs.statSync"), unlinkSync = unavailable("fs.unlinkSync");
export const utimesSync = unavailable("fs.utimesSync"), writeSync = unavailable("fs.writeSync"), accessSync = unavailable("fs.accessSync");
export const constants = { R_OK: 4, W_OK: 2, X_OK: 1, F_OK: 0 };

// node:os
export const homedir = () => "/";
export const platform = () => "browser";
export const availableParallelism = () => navigator.hardwareConcurrency || 1;
export const cpus = () => [];

// node:path, node:url
export const join = (...p) => p.filter(Boolean).join("/").replace(/\/+/g, "/");
export const dirname = (p) => p.replace(/\/[^/]*$/, "") || "/";
export const relative = (a, b) => (b.startsWith(a + "/") ? b.slice(a.length + 1) : b);
export const fileURLToPath = (u) => new URL(String(u)).pathname;

// node:worker_threads, node:v8 (Node's wasm host only; coil selects the Web Worker host in a browser)
export const Worker = unavailable("worker_threads.Worker");
export const setFlagsFromString = unavailable("v8.setFlagsFromString");

// node:crypto: sha256 (FIPS 180-4) and random bytes
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

function sha256(bytes) {
  const n = bytes.length, total = Math.ceil((n + 9) / 64) * 64;
  const m = new Uint8Array(total);
  m.set(bytes);
  m[n] = 0x80;
  const dv = new DataView(m.buffer);
  dv.setUint32(total - 8, Math.floor(n / 0x20000000));
  dv.setUint32(total - 4, (n * 8) >>> 0);
  const H = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const W = new Uint32Array(64);
  const rot = (x, r) => (x >>> r) | (x << (32 - r));
  for (let off = 0; off < total; off += 64) {
    for (let i = 0; i < 16; i++) W[i] = dv.getUint32(off + 4 * i);
    for (let i = 16; i < 64; i++) {
      const a = W[i - 15], b = W[i - 2];
      W[i] = W[i - 16] + (rot(a, 7) ^ rot(a, 18) ^ (a >>> 3)) + W[i - 7] + (rot(b, 17) ^ rot(b, 19) ^ (b >>> 10));
    }
    let [a, b, c, d, e, f, g, h] = H;
    for (let i = 0; i < 64; i++) {
      const t1 = (h + (rot(e, 6) ^ rot(e, 11) ^ rot(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + W[i]) >>> 0;
      const t2 = ((rot(a, 2) ^ rot(a, 13) ^ rot(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      h = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
    }
    H[0] += a; H[1] += b; H[2] += c; H[3] += d; H[4] += e; H[5] += f; H[6] += g; H[7] += h;
  }
  return [...H].map((x) => x.toString(16).padStart(8, "0")).join("");
}

export function createHash(alg) {
  if (alg !== "sha256") throw new Error(`crypto.createHash: only sha256 in the browser shim (got ${alg})`);
  const parts = [];
  const enc = new TextEncoder();
  const h = {
    update(c) { parts.push(typeof c === "string" ? enc.encode(c) : new Uint8Array(c.buffer, c.byteOffset, c.byteLength)); return h; },
    digest(fmt) {
      if (fmt !== "hex") throw new Error("crypto shim: digest('hex') only");
      const all = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
      let o = 0;
      for (const p of parts) { all.set(p, o); o += p.length; }
      return sha256(all);
    },
  };
  return h;
}

export function randomBytes(n) {
  const b = crypto.getRandomValues(new Uint8Array(n));
  return { toString: () => [...b].map((x) => x.toString(16).padStart(2, "0")).join("") };
}
