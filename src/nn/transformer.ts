// nn/transformer: MultiheadAttention (packed in-projection, batchFirst, attention and key-padding
// masks, needWeights with head-averaged weights) and TransformerEncoderLayer (post- or pre-norm,
// relu/gelu, dropout). Same parameter layout as PyTorch. In: sizes/options. Out: Modules.

import { Tensor } from "../tensor/tensor.js";
import { noGrad } from "../autograd/index.js";
import { Module, type Parameter } from "./module.js";
import * as F from "./functional.js";
import { Linear, Dropout, emptyParameter } from "./layers.js";
import { LayerNorm } from "./norm.js";
import { xavierUniform_, zeros_ } from "./init.js";

const T = (x: unknown): Tensor => x as Tensor;
const fmt = (t: Tensor): string => `[${t.shape.join(", ")}]`;

/** MHA's masks: bool True = not allowed to attend -> -inf; float masks are added as they are. */
function mhaAdditive(mask: Tensor, like: Tensor): Tensor {
  if (mask.dtype.name !== "bool") return mask;
  const zeros = T(F.op("MultiheadAttention", "zeros_like.default")(mask, { dtype: like.dtype }));
  return T(F.op("MultiheadAttention", "masked_fill.Scalar")(zeros, mask, -Infinity));
}

export interface MhaOptions { dropout?: number; bias?: boolean; batchFirst?: boolean }
export interface MhaForwardOptions {
  keyPaddingMask?: Tensor | null;
  needWeights?: boolean;
  attnMask?: Tensor | null;
  averageAttnWeights?: boolean;
  isCausal?: boolean;
}

export class MultiheadAttention extends Module {
  inProjWeight: Parameter;
  inProjBias: Parameter | null;
  outProj: Linear;
  readonly headDim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  constructor(public readonly embedDim: number, public readonly numHeads: number, opts: MhaOptions = {}) {
    super();
    if (embedDim % numHeads !== 0) throw new Error(`MultiheadAttention: embed_dim (${embedDim}) must be divisible by num_heads (${numHeads})`);
    this.headDim = embedDim / numHeads;
    this.dropout = opts.dropout ?? 0;
    this.batchFirst = opts.batchFirst ?? false;
    this.inProjWeight = emptyParameter([3 * embedDim, embedDim]);
    this.inProjBias = null;
    this.registerParameter("inProjBias", opts.bias === false ? null : emptyParameter([3 * embedDim]));
    this.outProj = new Linear(embedDim, embedDim, { bias: opts.bias !== false });
    noGrad(() => {
      xavierUniform_(this.inProjWeight);
      if (this.inProjBias) zeros_(this.inProjBias);
      if (this.outProj.bias) zeros_(this.outProj.bias);
    });
  }

  /** Returns [attnOutput, attnWeights | null] like PyTorch. */
  override forward(query: Tensor, key: Tensor, value: Tensor, opts: MhaForwardOptions = {}): [Tensor, Tensor | null] {
    const E = this.embedDim, H = this.numHeads, hd = this.headDim;
    const batched = query.ndim === 3;
    if (query.ndim !== 2 && query.ndim !== 3) throw new RangeError(`MultiheadAttention: query should be unbatched 2D or batched 3D, got shape ${fmt(query)}`);
    const toLNE = (t: Tensor): Tensor => !batched ? T(F.op("MultiheadAttention", "unsqueeze.default")(t, 1))
      : this.batchFirst ? T(F.op("MultiheadAttention", "transpose.int")(t, 0, 1)) : t;
    const q0 = toLNE(query), k0 = toLNE(key), v0 = toLNE(value);
    const L = q0.shape[0]!, N = q0.shape[1]!, S = k0.shape[0]!;
    if (q0.shape[2] !== E || k0.shape[2] !== E || v0.shape[2] !== E) {
      throw new RangeError(`MultiheadAttention: expected embedding dim ${E}, got query ${fmt(query)}, key ${fmt(key)}, value ${fmt(value)}`);
    }
    if (k0.shape[1] !== N || v0.shape[0] !== S) throw new RangeError(`MultiheadAttention: key ${fmt(key)} and value ${fmt(value)} do not match query ${fmt(query)}`);
    const slice = (t: Tensor | null, i: number): Tensor | null => t === null ? null : T(F.op("MultiheadAttention", "slice.Tensor")(t, 0, i * E, (i + 1) * E));
    const heads = (t: Tensor, len: number): Tensor => // [len, N, E] -> [N, H, len, hd]
      T(F.op("MultiheadAttention", "permute.default")(F.reshape(t, [len, N, H, hd]), [1, 2, 0, 3]));
    const q = heads(F.linear(q0, slice(this.inProjWeight, 0)!, slice(this.inProjBias, 0)), L);
    const k = heads(F.linear(k0, slice(this.inProjWeight, 1)!, slice(this.inProjBias, 1)), S);
    const v = heads(F.linear(v0, slice(this.inProjWeight, 2)!, slice(this.inProjBias, 2)), S);

    const qs = T(F.op("MultiheadAttention", "mul.Scalar")(q, 1 / Math.sqrt(hd)));
    let scores = F.batchedMatmul("MultiheadAttention", qs, T(F.op("MultiheadAttention", "transpose.int")(k, -2, -1))); // [N, H, L, S]
    let mask = opts.attnMask ?? null;
    if (opts.isCausal && !mask) mask = T(F.op("MultiheadAttention", "logical_not.default")(F.causalMask(L, S)));
    if (mask) {
      if (mask.ndim === 3) {
        if (mask.shape[0] !== N * H || mask.shape[1] !== L || mask.shape[2] !== S) throw new RangeError(`MultiheadAttention: the shape of the 3D attn_mask is ${fmt(mask)}, but should be [${N * H}, ${L}, ${S}]`);
        mask = F.reshape(mask, [N, H, L, S]);
      } else if (mask.ndim !== 2 || mask.shape[0] !== L || mask.shape[1] !== S) {
        throw new RangeError(`MultiheadAttention: the shape of the 2D attn_mask is ${fmt(mask)}, but should be [${L}, ${S}]`);
      }
      scores = scores.add(mhaAdditive(mask, scores));
    }
    if (opts.keyPaddingMask) {
      const kpm = opts.keyPaddingMask;
      const want = batched ? [N, S] : [S];
      if (kpm.ndim !== want.length || kpm.shape.some((s, i) => s !== want[i])) throw new RangeError(`MultiheadAttention: expected key_padding_mask of shape [${want.join(", ")}], got ${fmt(kpm)}`);
      scores = scores.add(F.reshape(mhaAdditive(kpm, scores), [N, 1, 1, S]));
    }
    let attn = F.softmax(scores, -1);
    if (this.dropout > 0 && this.training) attn = F.dropout(attn, this.dropout, true);
    const o = F.batchedMatmul("MultiheadAttention", attn, v); // [N, H, L, hd]
    const merged = F.reshape(T(F.op("MultiheadAttention", "permute.default")(o, [2, 0, 1, 3])), [L, N, E]);
    let out = this.outProj.call(merged);
    if (!batched) out = F.reshape(out, [L, E]);
    else if (this.batchFirst) out = T(F.op("MultiheadAttention", "transpose.int")(out, 0, 1));
    if (!(opts.needWeights ?? true)) return [out, null];
    let w = attn;
    if (opts.averageAttnWeights ?? true) w = T(F.op("MultiheadAttention", "mul.Scalar")(T(F.op("MultiheadAttention", "sum.dim_IntList")(attn, [1], false)), 1 / H));
    if (!batched) w = F.reshape(w, w.shape.slice(1) as number[]);
    return [out, w];
  }
  override extraRepr(): string { return `embed_dim=${this.embedDim}, num_heads=${this.numHeads}, batch_first=${this.batchFirst}`; }
}

export interface EncoderLayerOptions {
  dimFeedforward?: number;
  dropout?: number;
  activation?: "relu" | "gelu" | ((x: Tensor) => Tensor);
  layerNormEps?: number;
  batchFirst?: boolean;
  normFirst?: boolean;
  bias?: boolean;
}

export class TransformerEncoderLayer extends Module {
  selfAttn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  readonly normFirst: boolean;
  private readonly act: (x: Tensor) => Tensor;
  constructor(dModel: number, nhead: number, opts: EncoderLayerOptions = {}) {
    super();
    const p = opts.dropout ?? 0.1;
    const ff = opts.dimFeedforward ?? 2048;
    const eps = opts.layerNormEps ?? 1e-5;
    this.selfAttn = new MultiheadAttention(dModel, nhead, { dropout: p, bias: opts.bias, batchFirst: opts.batchFirst });
    this.linear1 = new Linear(dModel, ff, { bias: opts.bias });
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(ff, dModel, { bias: opts.bias });
    this.normFirst = opts.normFirst ?? false;
    this.norm1 = new LayerNorm(dModel, eps, { bias: opts.bias });
    this.norm2 = new LayerNorm(dModel, eps, { bias: opts.bias });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    const a = opts.activation ?? "relu";
    if (a === "relu") this.act = (x) => F.relu(x);
    else if (a === "gelu") this.act = (x) => F.gelu(x);
    else if (typeof a === "function") this.act = a;
    else throw new Error(`TransformerEncoderLayer: activation should be relu/gelu, not ${String(a)}`);
  }
  private sa(x: Tensor, mask: Tensor | null, kpm: Tensor | null, isCausal: boolean): Tensor {
    const [y] = this.selfAttn.call(x, x, x, { attnMask: mask, keyPaddingMask: kpm, needWeights: false, isCausal });
    return this.dropout1.call(y);
  }
  private ffBlock(x: Tensor): Tensor {
    return this.dropout2.call(this.linear2.call(this.dropout.call(this.act(this.linear1.call(x)))));
  }
  override forward(src: Tensor, opts: { srcMask?: Tensor | null; srcKeyPaddingMask?: Tensor | null; isCausal?: boolean } = {}): Tensor {
    const mask = opts.srcMask ?? null, kpm = opts.srcKeyPaddingMask ?? null, causal = opts.isCausal ?? false;
    let x = src;
    if (this.normFirst) {
      x = x.add(this.sa(this.norm1.call(x), mask, kpm, causal));
      x = x.add(this.ffBlock(this.norm2.call(x)));
    } else {
      x = this.norm1.call(x.add(this.sa(x, mask, kpm, causal)));
      x = this.norm2.call(x.add(this.ffBlock(x)));
    }
    return x;
  }
}
