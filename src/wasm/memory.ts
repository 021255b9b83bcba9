// wasm/memory: the one WebAssembly.Memory all coil wasm kernels and worker threads share (shared when
// SharedArrayBuffer exists), plus a size-class allocator over it. In: byte counts to malloc, pointers to free.
// Out: 64-byte aligned pointers, typed-array views re-created after growth, allocator stats for tests.
// Freed blocks go to a free list per size class and are reused first; classes grow by 1/4 per step so
// rounding wastes at most ~25%. Blocks are never coalesced and wasm memory never shrinks (documented in docs/wasm.md).

import { wasmFeatures } from "./features.js";

export const PAGE = 65536;
export const ALIGN = 64;
/** 2 GiB: keeps every pointer a positive i32. */
export const MAX_PAGES = 32768;
/** Bytes below this are never handed out (pointer 0 means "absent" in kernel argument blocks). */
const HEAP_BASE = 1024;
/** Fixed addresses in the reserved low KiB for constant tables that kernel modules write as data segments. */
export const RESERVED = { twoOverPiBits: 256 } as const;

/** Size class for a byte count: multiples of 64 up to 1 KiB, then 4 classes per power of two. */
export function sizeClass(bytes: number): { index: number; size: number } {
  const n = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  if (n <= 1024) return { index: n / ALIGN - 1, size: n };
  const e = Math.floor(Math.log2(n - 1)); // 2^e < n <= 2^(e+1)
  const step = 2 ** (e - 2);
  const k = Math.ceil((n - 2 ** e) / step); // 1..4
  return { index: 16 + (e - 10) * 4 + (k - 1), size: 2 ** e + k * step };
}

export interface MemoryStats {
  /** Bytes in live blocks (class sizes). */
  inUse: number;
  /** Bytes handed out by the bump pointer so far (high-water mark of the heap). */
  heapTop: number;
  /** Current memory size in bytes. */
  capacity: number;
  mallocs: number;
  frees: number;
  /** mallocs served from a free list. */
  reused: number;
  liveBlocks: number;
}

export class WasmMemory {
  readonly memory: WebAssembly.Memory;
  readonly shared: boolean;
  private top = HEAP_BASE;
  private readonly free_: number[][] = [];
  private readonly live = new Map<number, number>(); // ptr -> class index
  private readonly classSize: number[] = [];
  private stats_ = { mallocs: 0, frees: 0, reused: 0, inUse: 0 };
  private buf: ArrayBuffer | SharedArrayBuffer;
  private f32_: Float32Array;
  private i32_: Int32Array;
  private u8_: Uint8Array;

  constructor(opts: { shared?: boolean; initialPages?: number } = {}) {
    this.shared = opts.shared ?? wasmFeatures().threads;
    this.memory = new WebAssembly.Memory({ initial: opts.initialPages ?? 16, maximum: MAX_PAGES, shared: this.shared } as WebAssembly.MemoryDescriptor);
    this.buf = this.memory.buffer;
    this.f32_ = new Float32Array(this.buf);
    this.i32_ = new Int32Array(this.buf);
    this.u8_ = new Uint8Array(this.buf);
  }

  private refresh(): void {
    if (this.buf !== this.memory.buffer || this.buf.byteLength !== this.memory.buffer.byteLength) {
      this.buf = this.memory.buffer;
      this.f32_ = new Float32Array(this.buf);
      this.i32_ = new Int32Array(this.buf);
      this.u8_ = new Uint8Array(this.buf);
    }
  }

  /** Views over the whole memory (re-created after growth; do not cache them across malloc calls). */
  get f32(): Float32Array { this.refresh(); return this.f32_; }
  get i32(): Int32Array { this.refresh(); return this.i32_; }
  get u8(): Uint8Array { this.refresh(); return this.u8_; }
  get byteLength(): number { return this.memory.buffer.byteLength; }

  /** A Float32Array over [ptr, ptr + 4n). */
  f32View(ptr: number, n: number): Float32Array {
    this.refresh();
    return new Float32Array(this.buf, ptr, n);
  }

  malloc(bytes: number): number {
    if (!(bytes >= 0) || !Number.isFinite(bytes)) throw new RangeError(`wasm malloc: bad size ${bytes}`);
    const { index, size } = sizeClass(bytes);
    this.classSize[index] = size;
    this.stats_.mallocs++;
    this.stats_.inUse += size;
    const list = this.free_[index];
    if (list && list.length) {
      const p = list.pop()!;
      this.live.set(p, index);
      this.stats_.reused++;
      return p;
    }
    const p = this.top;
    const end = p + size;
    if (end > this.memory.buffer.byteLength) {
      const need = Math.ceil((end - this.memory.buffer.byteLength) / PAGE);
      const cur = this.memory.buffer.byteLength / PAGE;
      // grow geometrically (at least 1/8 of the current size) to keep the number of grows small
      const pages = Math.min(MAX_PAGES - cur, Math.max(need, Math.ceil(cur / 8)));
      if (pages < need) throw new RangeError(`wasm malloc: out of memory (${bytes} bytes requested, ${cur * PAGE} in use, max ${MAX_PAGES * PAGE})`);
      this.memory.grow(pages);
    }
    this.top = end;
    this.live.set(p, index);
    return p;
  }

  free(ptr: number): void {
    const index = this.live.get(ptr);
    if (index === undefined) throw new Error(`wasm free: ${ptr} is not a live block`);
    this.live.delete(ptr);
    (this.free_[index] ??= []).push(ptr);
    this.stats_.frees++;
    this.stats_.inUse -= this.classSize[index]!;
  }

  /** Size of the block at ptr (its class size). */
  blockSize(ptr: number): number {
    const index = this.live.get(ptr);
    if (index === undefined) throw new Error(`wasm blockSize: ${ptr} is not a live block`);
    return this.classSize[index]!;
  }

  /** Copy a Float32Array into a fresh block; returns the pointer. */
  putF32(data: Float32Array): number {
    const p = this.malloc(data.length * 4);
    this.f32.set(data, p >> 2);
    return p;
  }

  stats(): MemoryStats {
    return { ...this.stats_, heapTop: this.top, capacity: this.memory.buffer.byteLength, liveBlocks: this.live.size };
  }
}

let global_: WasmMemory | null = null;

/** The process-wide memory that the kernels and the thread pool share. */
export function wasmMemory(): WasmMemory {
  return (global_ ??= new WasmMemory());
}
