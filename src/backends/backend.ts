import type { DType, TypedArray } from '../core/dtype.js';
import type { CrossEntropyKernels, IalsCgInfo, IalsRows, LayerNormInfo, TopKInfo } from './fused-info.js';
import type { Handle } from './handle.js';
export type { Handle } from './handle.js';
export type { CrossEntropyInfo, IalsCgInfo, IalsRows, LayerNormInfo, TopKInfo } from './fused-info.js';
import type { RandomInfo } from '../core/philox.js';
import type { BinaryOp } from './binary-ops.js';
import type { UnaryOp } from './unary-ops.js';

/**
 * The primitive contract every backend implements. Tensors are always stored contiguous and
 * row-major; the op front-end (src/ops) turns views (transpose, slice, expand) into strided
 * copies, reduces over trailing axes only, and validates every argument before it calls a
 * backend. So a backend never sees a bad shape, a bad axis, or a mixed-backend call, and each
 * primitive here is small. The CPU backend implements all of it and is the oracle for tests.
 *
 * Handles are opaque to the front-end; a backend may assume every handle it receives was made
 * by itself and is alive.
 */
export type BackendName = 'cpu' | 'webgpu' | 'gpujs';

/** The elementwise op families: each op defined once, with its CPU loop and WGSL expression. */
export { UNARY_OPS, type UnaryOp } from './unary-ops.js';
export { ARITH_OPS, COMPARE_OPS, type ArithOp, type BinaryOp, type CompareOp } from './binary-ops.js';

/**
 * Reductions over the last axis of a `[outer, inner]` view. argmax and argmin return int32
 * indices of the first extreme; logsumexp is computed stably (max-shifted).
 */
export const REDUCE_OPS = ['sum', 'prod', 'max', 'min', 'argmax', 'argmin', 'logsumexp'] as const;
export type ReduceOp = (typeof REDUCE_OPS)[number];

/** Activations a matmul epilogue can apply after adding the bias. */
export const ACTIVATIONS = ['none', 'relu', 'gelu', 'tanh', 'sigmoid'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/**
 * Broadcast layout for binary and ternary elementwise ops. Inputs are read through strides
 * over `outShape`; a broadcast dim has stride 0. `outShape` has rank >= 0.
 */
export interface BroadcastInfo {
  readonly outShape: readonly number[];
  readonly outSize: number;
  /** One stride array per input, each of length outShape.length. */
  readonly strides: readonly (readonly number[])[];
}

/**
 * Batched matmul: out[b] = op(a[b]) @ op(b[b]) (+ bias) then activation, out is [batch, M, N].
 * With transA false a is [*, M, K], else [*, K, M]; with transB false b is [*, K, N], else
 * [*, N, K]. `aBatchStride`/`bBatchStride` are 0 when that side is shared across the batch.
 */
export interface MatmulInfo {
  readonly batch: number;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transA: boolean;
  readonly transB: boolean;
  readonly aBatchStride: number;
  readonly bBatchStride: number;
  readonly bias?: Handle | undefined;
  readonly activation: Activation;
}

/**
 * A strided copy: for every index vector i over `shape`,
 * dst[dstOffset + i·dstStrides] = src[srcOffset + i·srcStrides].
 * Covers transpose, permute, slice (with steps), expand (stride 0), concat and pad.
 */
export interface CopyInfo {
  readonly shape: readonly number[];
  readonly srcStrides: readonly number[];
  readonly srcOffset: number;
  readonly dstStrides: readonly number[];
  readonly dstOffset: number;
}

/** x viewed as [outer, axisLen, inner]; idx has `count` int32 entries in [0, axisLen). */
export interface IndexInfo {
  readonly outer: number;
  readonly axisLen: number;
  readonly inner: number;
  readonly count: number;
}

export type { RandomInfo };

/**
 * The parameters of a (biased) matrix factorization, all float32 and updated in place:
 * userFactors [numUsers, k], itemFactors [numItems, k], userBias [numUsers], itemBias [numItems].
 */
export interface MfTables {
  readonly userFactors: Handle;
  readonly itemFactors: Handle;
  readonly userBias: Handle;
  readonly itemBias: Handle;
}

/**
 * Training rows for the fused MF primitives, as int32 index columns plus a float32 third column:
 * the rating for {@link Backend.mfSgd}, or unused for {@link Backend.mfBpr} (where `items` are
 * the positives and `negatives` the sampled negatives). `loss`, when given, receives one float32
 * per processed row at the same position: the squared error (SGD) or -log sigmoid(x_uij) (BPR),
 * computed before that row's update, so an epoch's training loss costs one readback.
 */
export interface MfBatch {
  readonly users: Handle;
  readonly items: Handle;
  readonly ratings?: Handle | undefined;
  readonly negatives?: Handle | undefined;
  readonly loss?: Handle | undefined;
}

/**
 * Biased-MF SGD on rows start..start+count-1: e = r - (mean + bu + bi + p_u·q_i), then
 * bu += lrBias (e - regBias bu), bi += lrBias (e - regBias bi),
 * p_u += lr (e q_i - reg p_u), q_i += lr (e p_u - reg q_i) (both from the old values).
 * With `biases` false the biases are neither read nor written.
 *
 * Ordering: the CPU twin applies rows one after another (classic SGD). The WebGPU kernel runs
 * the rows of one call in parallel, Hogwild-style: two rows of the same call that share a user
 * or an item race, and one row's update of the shared row may be lost. Callers that need the
 * two backends to agree bit for bit pass calls whose rows have distinct users and items.
 */
export interface MfSgdInfo {
  readonly k: number;
  readonly start: number;
  readonly count: number;
  readonly lr: number;
  readonly reg: number;
  readonly lrBias: number;
  readonly regBias: number;
  readonly mean: number;
  readonly biases: boolean;
}

/**
 * BPR SGD on rows start..start+count-1: x = b_i - b_j + p_u·(q_i - q_j), g = sigmoid(-x), then
 * p_u += lr (g (q_i - q_j) - reg p_u), q_i += lr (g p_u - reg q_i), q_j += lr (-g p_u - reg q_j),
 * b_i += lr (g - regBias b_i), b_j += lr (-g - regBias b_j). User biases are unused (they cancel
 * in x). The same ordering note as {@link MfSgdInfo} applies.
 */
export interface MfBprInfo {
  readonly k: number;
  readonly start: number;
  readonly count: number;
  readonly lr: number;
  readonly reg: number;
  readonly regBias: number;
}

/**
 * Sizes of one {@link Backend.kmeansAssign} call: x is [n, d] and centroids [k, d], both
 * contiguous in the same float dtype, with n ≥ 0, d ≥ 1 and k ≥ 1.
 */
export interface KmeansInfo {
  readonly n: number;
  readonly d: number;
  readonly k: number;
}

/**
 * Fused scaled-dot-product attention over `bh` = batch·heads independent problems. q is
 * [bh, tq, d], k and v are [bh, tk, d] (tq and tk differ for cross attention). Causal masking is
 * top-left aligned like PyTorch's `is_causal`: query i sees keys j <= i. `mask`, when given, is
 * an int32 [batch, tk] key-padding mask (nonzero = masked); problem p reads row floor(p / heads).
 */
export interface AttentionInfo {
  readonly bh: number;
  readonly heads: number;
  readonly tq: number;
  readonly tk: number;
  readonly d: number;
  readonly scale: number;
  readonly causal: boolean;
  readonly mask?: Handle | undefined;
}

/**
 * The logsumexp a fully masked query row stores: finite, and so large that exp(s − lse) is 0
 * for every score, so backward adds nothing for that row instead of NaN.
 */
export const ATTENTION_EMPTY_LSE = 1e30;

/**
 * One LSTM layer in one direction over a time-major sequence, PyTorch gate order i, f, g, o.
 * The input projections xProj = x @ W_ihᵀ + b_ih + b_hh are computed beforehand by one matmul.
 * With `lengths` (int32 [batch]) sequence b runs for lengths[b] steps: forward over t < len,
 * reversed (`reverse`) from t = len − 1 down to 0; padded steps leave its state alone and output
 * zeros, so the final (h, c) is the state after its last valid step.
 */
export interface LstmInfo {
  readonly steps: number;
  readonly batch: number;
  readonly hidden: number;
  readonly reverse: boolean;
  readonly lengths?: Handle | undefined;
}

/**
 * What the LSTM forward keeps for backward, all time-major and indexed by the time step each
 * value belongs to (zeros at padded steps): activated gates [T, B, 4H] and the state each step
 * started from, hPrev and cPrev [T, B, H].
 */
export interface LstmSaved {
  readonly gates: Handle;
  readonly hPrev: Handle;
  readonly cPrev: Handle;
}

/**
 * One fused Adam or AdamW step (`Backend.adamUpdate`). With `decoupled` (AdamW) the
 * parameter first decays by (1 − lr·weightDecay); otherwise (Adam) weightDecay·param is added to
 * the gradient (L2). `step` is the 1-based step count used for the bias corrections.
 */
export interface AdamInfo {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly decoupled: boolean;
  readonly step: number;
}

export interface BackendMemory {
  /** Live handles this backend holds for tensors. */
  readonly handles: number;
  /** Bytes held by live handles. */
  readonly bytes: number;
  /** Buffers held by a pool for reuse (0 where there is no pool). */
  readonly pooledBuffers: number;
  readonly pooledBytes: number;
}

export interface Backend extends CrossEntropyKernels {
  readonly name: BackendName;
  readonly dtypes: readonly DType[];
  /** A human-readable description: the adapter name for webgpu. */
  readonly description: string;

  // ---- storage ----
  upload(values: TypedArray, dtype: DType): Handle;
  /** Uninitialized (or zeroed) storage; every element is written before it is read. */
  alloc(size: number, dtype: DType): Handle;
  fill(size: number, value: number, dtype: DType): Handle;
  read(h: Handle): Promise<TypedArray>;
  /** Only backends that can read synchronously implement this (the CPU backend). */
  readSync?(h: Handle): TypedArray;
  dispose(h: Handle): void;
  memory(): BackendMemory;
  /** Waits until all submitted work is done (for benchmarks); a no-op on CPU. */
  sync(): Promise<void>;

  // ---- elementwise ----
  unary(op: UnaryOp, x: Handle): Handle;
  /** Both inputs share a dtype; comparisons give int32, arithmetic gives the input dtype. */
  binary(op: BinaryOp, a: Handle, b: Handle, info: BroadcastInfo): Handle;
  /** cond is int32 (nonzero = take a); a and b share a dtype. */
  where(cond: Handle, a: Handle, b: Handle, info: BroadcastInfo): Handle;
  cast(x: Handle, to: DType): Handle;
  clamp(x: Handle, lo: number, hi: number): Handle;

  // ---- reductions and rows ----
  /** x viewed as [outer, inner]; reduces the inner axis; output has `outer` elements. */
  reduce(op: ReduceOp, x: Handle, outer: number, inner: number): Handle;
  /** Row-wise softmax (or log-softmax) of x viewed as [rows, cols]. */
  softmax(x: Handle, rows: number, cols: number, log: boolean): Handle;

  // ---- matmul ----
  matmul(a: Handle, b: Handle, info: MatmulInfo): Handle;

  // ---- movement ----
  /** Writes into `dst` in place (dst may be a fresh alloc). */
  copy(src: Handle, dst: Handle, info: CopyInfo): void;

  // ---- indexing ----
  /** out[o, j, i] = x[o, idx[j], i]; out has outer*count*inner elements. */
  indexSelect(x: Handle, idx: Handle, info: IndexInfo): Handle;
  /** out = base (viewed [outer, axisLen, inner]) with out[o, idx[j], i] += src[o, j, i]; duplicates accumulate. */
  indexAdd(base: Handle, idx: Handle, src: Handle, info: IndexInfo): Handle;

  // ---- random ----
  random(size: number, dtype: DType, info: RandomInfo): Handle;

  // Fused kernels. Each family is a primitive with a CPU twin and a WGSL kernel; their front-end
  // ops and grad rules live with the layer or model that uses them. Softmax cross-entropy's two
  // methods are declared in CrossEntropyKernels (fused-info.ts).
  // ---- fused: attention (src/nn) ----
  /**
   * Tiled attention with an online softmax: memory is O(tq + tk) per problem, never tq × tk.
   * Returns out [bh, tq, d] and the logsumexp of each query row's scaled scores [bh, tq]
   * ({@link ATTENTION_EMPTY_LSE} for a fully masked row, whose output is zeros).
   */
  attentionForward(q: Handle, k: Handle, v: Handle, info: AttentionInfo): { out: Handle; lse: Handle };
  /** Gradients of attentionForward given dOut [bh, tq, d] and the forward's out and lse. */
  attentionBackward(
    dOut: Handle,
    out: Handle,
    lse: Handle,
    q: Handle,
    k: Handle,
    v: Handle,
    info: AttentionInfo,
  ): { dq: Handle; dk: Handle; dv: Handle };
  // ---- fused: layer norm (src/nn) ----
  /** y [rows, cols], and each row's mean and rstd [rows] for the backward. */
  layerNormForward(
    x: Handle,
    weight: Handle | null,
    bias: Handle | null,
    info: LayerNormInfo,
  ): { y: Handle; mean: Handle; rstd: Handle };
  /**
   * Gradients of layerNormForward given dy [rows, cols]: dx [rows, cols] (through the weight
   * when given), and dWeight = Σ_rows dy·x̂ and dBias = Σ_rows dy, each [cols].
   */
  layerNormBackward(
    dy: Handle,
    x: Handle,
    weight: Handle | null,
    mean: Handle,
    rstd: Handle,
    info: LayerNormInfo,
  ): { dx: Handle; dWeight: Handle; dBias: Handle };
  // ---- fused: lstm (src/nn) ----
  /**
   * Runs the recurrence: xProj [T, B, 4H], whh [4H, H], h0 and c0 [B, H]. Returns y packed as
   * [T + 2, B, H]: the outputs h_t for t < T (zeros at padded steps), then the final h, then the
   * final c; plus what backward needs. One fused step (h @ W_hhᵀ + gates) per time step, and no
   * readback in between.
   */
  lstmForward(xProj: Handle, whh: Handle, h0: Handle, c0: Handle, info: LstmInfo): { y: Handle; saved: LstmSaved };
  /**
   * Backward through time given dY packed like y. Returns dGates [T, B, 4H] (the gradient of
   * xProj, so dx, dW_ih and the biases follow by matmuls), dWhh [4H, H], dh0 and dc0 [B, H].
   */
  lstmBackward(
    dY: Handle,
    whh: Handle,
    saved: LstmSaved,
    info: LstmInfo,
  ): { dGates: Handle; dWhh: Handle; dh0: Handle; dc0: Handle };
  // ---- fused: optimizer updates (src/optim) ----
  /**
   * m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², param ← param − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + eps),
   * with weight decay per {@link AdamInfo}. All four handles have the same size and float dtype.
   * Returns fresh handles and leaves the inputs untouched (storage may be shared by views, so
   * nothing is updated in place); the optimizer swaps them in with `Tensor.assign`. Optional:
   * where a backend lacks it, src/optim composes the same update from primitives.
   */
  adamUpdate?(
    param: Handle,
    grad: Handle,
    m: Handle,
    v: Handle,
    info: AdamInfo,
  ): { param: Handle; m: Handle; v: Handle };
  // ---- fused: matrix factorization and k-means (src/models) ----
  /**
   * One pass of biased-MF SGD over rows start..start+count-1 of the (user, item, rating)
   * columns; updates the tables in place, touching only the rows those triples name. See
   * {@link MfSgdInfo}. Optional: the gpu.js tier inherits the CPU twin, and the front-end
   * (src/models/mf-ops.ts) names the backend in a clear error where one lacks it.
   */
  mfSgd?(tables: MfTables, batch: MfBatch, info: MfSgdInfo): void;
  /** One pass of BPR SGD over (user, positive item, negative item) triples; see {@link MfBprInfo}. */
  mfBpr?(tables: MfTables, batch: MfBatch, info: MfBprInfo): void;
  // k-means
  /**
   * The k-means assignment step: for each row of x [n, d] the index of the nearest of the
   * centroids [k, d] by squared Euclidean distance (the first index on exact ties), and that
   * squared distance. Returns labels int32 [n] and distances [n] in x's dtype. See
   * {@link KmeansInfo}. Optional like the MF kernels; the front-end (src/models/kmeans-ops.ts)
   * names the backend in a clear error where one lacks it.
   */
  kmeansAssign?(x: Handle, centroids: Handle, info: KmeansInfo): { labels: Handle; distances: Handle };
  // top-K selection
  /**
   * The k largest entries of every row of x [rows, n] (float), best first: values [rows, k] in
   * x's dtype and their column indices int32 [rows, k]. The order is total, so every backend
   * returns the same indices for the same values: NaN ranks above +Infinity (as in argmax,
   * where the first NaN wins), -0 equals +0, and equal values go to the lower index. So
   * row r of topK with k = 1 is argmax of row r. See {@link TopKInfo}. Optional: the front-end
   * names the backend in a clear error where one lacks it. Not differentiable.
   */
  topK?(x: Handle, info: TopKInfo): { values: Handle; indices: Handle };
  // implicit ALS
  /**
   * Warm-started conjugate-gradient steps of implicit ALS (Takács et al. 2011), in place on X
   * (float32): for each listed row u, `steps` CG iterations from the current x_u toward the
   * solution of (G + Σ_j (c_j - 1) y_j y_jᵀ) x = Σ_j c_j y_j, where G = YᵀY + λI is given and
   * j runs over u's observed entries. See {@link IalsCgInfo} and {@link IalsRows}. Rows are
   * independent, so a backend may solve them in parallel. Optional, like the MF kernels.
   */
  ialsCg?(X: Handle, Y: Handle, gram: Handle, entries: IalsRows, rows: Handle, info: IalsCgInfo): void;
}
