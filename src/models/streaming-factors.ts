import { ValueError, fmtValue } from '../core/errors.js';
import { FitControl, type FitControlOptions } from '../core/fit-control.js';
import { Rng } from '../core/random.js';
import type { IdMap } from '../data/idmap.js';
import type { MfParams } from '../ops/fused/mf.js';
import type { Tensor } from '../tensor/tensor.js';
import { tensor, zeros } from '../tensor/creation.js';
import type { EpochInfo } from './recommender.js';
import { type ChunkScan, type InteractionChunks, encodeChunk, scanChunks } from './streaming-common.js';

export interface StreamingFitOptions extends FitControlOptions {
  /** Overrides the model's `epochs`. */
  epochs?: number;
  /**
   * Id maps to encode against (for example from an earlier fit); then the id pass is skipped
   * and an id outside them is a ValueError. Both or neither. Default: built in one streaming pass.
   */
  userIds?: IdMap;
  itemIds?: IdMap;
  onEpoch?: (info: EpochInfo) => void | Promise<void>;
}

/** The sum of a chunk's per-row losses, in float64 (the kernels write one loss per row). */
export async function chunkLossSum(loss: Tensor): Promise<number> {
  let total = 0;
  for (const e of (await loss.data()) as Float32Array) total += e;
  return total;
}

/** What a streamed factor fit takes from its model's options. */
export interface StreamedFactorSetup {
  epochs: number;
  factors: number;
  initStd: number;
  seed: number;
  /** The model kind, naming the seeded stream as `fit` does. */
  rngStream: string;
  /** The learning rate, quoted when training diverges. */
  lr: number;
}

/** One chunk's rows as map indices, shuffled (from `encodeChunk`). */
export type EncodedChunk = ReturnType<typeof encodeChunk>;

/** Where a chunk's step stands: its epoch (from 1), the fit's seeded stream, the pass-0 scan. */
export interface ChunkStep {
  epoch: number;
  rng: Rng;
  scan: ChunkScan;
  wantLoss: boolean;
}

/** The model-specific parts of a streamed fit over interaction chunks, with its training state `S`. */
export interface ChunkFitSteps<S> {
  /** The starting state, once pass 0 has scanned the data; `rng` is the fit's seeded stream. */
  init(scan: ChunkScan, rng: Rng): S;
  /**
   * Trains on one encoded chunk; returns the chunk's summed loss when `at.wantLoss` (reading it
   * back can cost a copy), else 0.
   */
  step(state: S, rows: EncodedChunk, at: ChunkStep): Promise<number> | number;
  /** The epoch's reported loss from the summed chunk losses. */
  epochLoss(sum: number, scan: ChunkScan): number;
  /** Checks the state (a NaN is a ValueError, see {@link checkFinite}) and makes the model serve it. */
  install(scan: ChunkScan, state: S): Promise<void> | void;
  /** Frees the state at the end (device tensors); optional. */
  dispose?(state: S): void;
}

/**
 * The chunked epoch loop every streamed interaction fit shares (StreamingMatrixFactorization,
 * StreamingBPR, HybridRecommender.fitStream): checks the arguments, runs pass 0 (`scanChunks`:
 * id maps and value statistics), starts the state (`steps.init`), then streams `epochs` passes
 * of encoded, shuffled chunks through `steps.step`. Progress and abort go through FitControl at
 * every chunk; at the end, and when a fit stops at a chunk boundary, the state is installed
 * (`steps.install`), so the model always holds the last finished chunk. A failure before that
 * leaves the model as it was. Memory: the state, the maps and one chunk.
 */
export async function streamChunkFit<S>(
  op: string,
  chunks: InteractionChunks,
  options: StreamingFitOptions,
  setup: Pick<StreamedFactorSetup, 'epochs' | 'seed' | 'rngStream'>,
  steps: ChunkFitSteps<S>,
): Promise<void> {
  if (typeof chunks !== 'function')
    throw new ValueError(
      `${op}: chunks must be a function returning an async iterable of row chunks; got ${fmtValue(chunks)}`,
    );
  if ((options.userIds === undefined) !== (options.itemIds === undefined))
    throw new ValueError(`${op}: give both userIds and itemIds, or neither`);
  const epochs = options.epochs ?? setup.epochs;
  if (!Number.isInteger(epochs) || epochs < 0)
    throw new ValueError(`${op}: epochs must be a non-negative integer; got ${fmtValue(epochs)}`);
  const control = new FitControl(options, epochs);
  const maps = options.userIds ? { users: options.userIds, items: options.itemIds! } : undefined;
  const scan = await scanChunks(op, chunks, maps, control);
  const { users, items } = scan;
  const rng = new Rng(setup.seed, setup.rngStream);
  const state = steps.init(scan, rng);
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const t0 = performance.now();
      let loss = 0;
      let chunk = 0;
      for await (const c of chunks()) {
        const rows = encodeChunk(op, c, chunk, { users, items }, rng);
        loss += await steps.step(state, rows, { epoch, rng, scan, wantLoss: options.onEpoch !== undefined });
        chunk++;
        try {
          await control.batch(epoch, chunk, scan.chunks);
        } catch (e) {
          await steps.install(scan, state);
          throw e;
        }
      }
      if (options.onEpoch)
        await options.onEpoch({ epoch, loss: steps.epochLoss(loss, scan), ms: performance.now() - t0 });
    }
    await steps.install(scan, state);
  } finally {
    steps.dispose?.(state);
  }
}

/** Throws a ValueError naming `name` when `values` holds a NaN or an infinity: training diverged. */
export function checkFinite(op: string, name: string, values: Float32Array, lr: number): void {
  if (!values.every(Number.isFinite))
    throw new ValueError(`${op}: training diverged: ${name} holds NaN or infinite values; lower lr (now ${lr})`);
}

/** The model-specific parts of a streamed factor fit. */
export interface StreamedFactorSteps {
  /**
   * Runs the model's fused kernel over one encoded chunk; returns the chunk's summed loss when
   * `at.wantLoss` (reading it back costs a copy), else 0.
   */
  step(params: MfParams, rows: EncodedChunk, at: ChunkStep): Promise<number>;
  /** The epoch's reported loss from the summed chunk losses. */
  epochLoss(sum: number, scan: ChunkScan): number;
  /** Makes the model serve the tables: user and item factors [U·k], [I·k] and biases [U], [I]. */
  install(scan: ChunkScan, tables: { P: Float32Array; Q: Float32Array; bu: Float32Array; bi: Float32Array }): void;
}

/**
 * {@link streamChunkFit} with matrix-factorization tables (StreamingMatrixFactorization,
 * StreamingBPR): seeded normal factors and zero biases on the CPU, each chunk through the
 * model's fused kernel, the tables checked for NaN and installed at the end or at an abort.
 */
export async function streamFactorFit(
  op: string,
  chunks: InteractionChunks,
  options: StreamingFitOptions,
  setup: StreamedFactorSetup,
  steps: StreamedFactorSteps,
): Promise<void> {
  const k = setup.factors;
  await streamChunkFit<MfParams>(op, chunks, options, setup, {
    init: ({ users, items }, rng) => ({
      userFactors: tensor(rng.normalArray(users.size * k, setup.initStd), { shape: [users.size, k], backend: 'cpu' }),
      itemFactors: tensor(rng.normalArray(items.size * k, setup.initStd), { shape: [items.size, k], backend: 'cpu' }),
      userBias: zeros([users.size], { backend: 'cpu' }),
      itemBias: zeros([items.size], { backend: 'cpu' }),
    }),
    step: (params, rows, at) => steps.step(params, rows, at),
    epochLoss: steps.epochLoss,
    install: async (scan, params) => {
      const [P, Q, bu, bi] = (await Promise.all(Object.values(params).map((t) => t.data()))) as Float32Array[];
      for (const [name, t] of Object.entries({ userFactors: P!, itemFactors: Q!, userBias: bu!, itemBias: bi! }))
        checkFinite(op, name, t, setup.lr);
      steps.install(scan, { P: P!, Q: Q!, bu: bu!, bi: bi! });
    },
    dispose: (params) => {
      for (const t of Object.values(params)) t.dispose();
    },
  });
}
