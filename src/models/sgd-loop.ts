import type { BackendName } from '../backends/backend.js';
import { initBackend } from '../backends/registry.js';
import { NumericalError } from '../core/errors.js';
import { tensor, zeros } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import type { MfParams } from '../ops/fused/mf.js';
import type { EpochInfo } from './recommender.js';
import type { Rng } from '../core/random.js';
import type { FitControl } from '../core/fit-control.js';

/** Host copies of the four MF tables. */
export interface HostTables {
  P: Float32Array;
  Q: Float32Array;
  bu: Float32Array;
  bi: Float32Array;
}

/** One epoch's rows, already shuffled: index columns plus ratings (SGD) or negatives (BPR). */
export interface EpochRows {
  users: Int32Array;
  items: Int32Array;
  third: Float32Array | Int32Array;
}

export interface SgdLoopOptions {
  /** The model's name, for the divergence error. */
  model: string;
  /** The learning rate, named in the divergence error. */
  lr: number;
  backend: BackendName;
  k: number;
  tables: HostTables;
  epochs: number;
  /** Rows per kernel call on the GPU (the Hogwild batch); the CPU twin takes a whole epoch per call. */
  batchSize: number;
  rows(epoch: number): EpochRows;
  /** Runs the fused primitive on rows start..start+count-1. */
  step(
    params: MfParams,
    cols: { users: Tensor; items: Tensor; third: Tensor; loss: Tensor },
    start: number,
    count: number,
    epoch: number,
  ): void;
  /**
   * Conflict-free dispatches on the GPU (see {@link conflictFreeLevels}): bit-identical tables
   * for the same seed, at the cost of one dispatch per level. The CPU twin is sequential anyway.
   */
  deterministic?: boolean;
  /** Turns the epoch's per-row losses into the reported loss. */
  reduceLoss(lossSum: number, rows: number): number;
  onEpoch?: ((info: EpochInfo) => void | Promise<void>) | undefined;
  /** Progress, yielding and abort after every batch (on the CPU, every {@link CPU_CONTROL_ROWS} rows). */
  control?: FitControl | undefined;
  /** Called with the tables of the last finished batch when the fit is aborted, before the abort rethrows. */
  onAborted?: ((tables: HostTables) => void) | undefined;
}

/**
 * Rows per CPU kernel call. The CPU kernel applies rows in order, so splitting an epoch changes
 * nothing in the result; it only gives FitControl a batch boundary to act on.
 */
export const CPU_CONTROL_ROWS = 16384;

/**
 * The training loop shared by MatrixFactorization and BPR: the tables live on the chosen
 * backend as tensors; each epoch uploads its shuffled rows once and runs the fused kernel over
 * them in minibatches (all recorded into the WebGPU command batches without a readback), then
 * reads the per-row losses back once. Returns the trained tables on the host.
 */
export async function sgdLoop(o: SgdLoopOptions): Promise<HostTables> {
  if (o.backend !== 'cpu') await ensureBackend(o.backend);
  const backend = o.backend;
  const U = o.tables.bu.length;
  const I = o.tables.bi.length;
  const params: MfParams = {
    userFactors: tensor(o.tables.P, { shape: [U, o.k], backend }),
    itemFactors: tensor(o.tables.Q, { shape: [I, o.k], backend }),
    userBias: tensor(o.tables.bu, { backend }),
    itemBias: tensor(o.tables.bi, { backend }),
  };
  const readTables = async (): Promise<HostTables> => ({
    P: (await params.userFactors.data()) as Float32Array,
    Q: (await params.itemFactors.data()) as Float32Array,
    bu: (await params.userBias.data()) as Float32Array,
    bi: (await params.itemBias.data()) as Float32Array,
  });
  try {
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      const t0 = performance.now();
      let r = o.rows(epoch);
      const n = r.users.length;
      // Each level is a range of rows no two of which touch the same table row.
      let ranges: [number, number][] | undefined;
      if (o.deterministic && backend !== 'cpu') ({ rows: r, ranges } = conflictFreeLevels(r, U, I));
      const cols = {
        users: tensor(r.users, { backend }),
        items: tensor(r.items, { backend }),
        third: tensor(r.third, { backend }),
        loss: zeros([n], { backend }),
      };
      try {
        const batch = backend === 'cpu' ? CPU_CONTROL_ROWS : o.batchSize;
        const steps: [number, number][] = ranges ?? [];
        if (!ranges) for (let s = 0; s < n; s += batch) steps.push([s, Math.min(batch, n - s)]);
        for (let b = 0; b < steps.length; b++) {
          o.step(params, cols, steps[b]![0], steps[b]![1], epoch);
          await control(o, epoch, b + 1, steps.length, readTables);
        }
        let loss = NaN;
        if (o.onEpoch) {
          const l = (await cols.loss.data()) as Float32Array;
          let sum = 0;
          for (let j = 0; j < n; j++) sum += l[j]!;
          loss = o.reduceLoss(sum, n);
          if (!Number.isFinite(loss)) throw diverged(o, `the training loss became ${loss} in epoch ${epoch}`);
        }
        await o.onEpoch?.({ epoch, loss, ms: performance.now() - t0 });
      } finally {
        for (const t of Object.values(cols)) t.dispose();
      }
    }
    const out = await readTables();
    // The loss is only read when someone listens; the tables are always checked.
    for (const [name, table] of Object.entries(out)) {
      if (!(table as Float32Array).every(Number.isFinite))
        throw diverged(o, `the trained ${name} table holds NaN or infinite values`);
    }
    return out;
  } finally {
    for (const t of Object.values(params)) t.dispose();
  }
}

/** FitControl after a batch; on abort, hands the tables of that batch to onAborted first. */
async function control(
  o: SgdLoopOptions,
  epoch: number,
  batch: number,
  batches: number,
  readTables: () => Promise<HostTables>,
): Promise<void> {
  if (!o.control) return;
  try {
    await o.control.batch(epoch, batch, batches);
  } catch (e) {
    const t = await readTables();
    if (Object.values(t).every((a: Float32Array) => a.every(Number.isFinite))) o.onAborted?.(t);
    throw e;
  }
}

function diverged(o: SgdLoopOptions, what: string): NumericalError {
  return new NumericalError(
    `${o.model}.fit: training diverged: ${what}; lower lr (now ${o.lr}) or raise the regularization`,
  );
}

/** Initializes `name` without changing the backend new tensors go to. */
async function ensureBackend(name: BackendName): Promise<void> {
  // Never through ready(): that selects the backend, and a concurrent fit would see it switch.
  await initBackend(name);
}

/**
 * Reorders an epoch's rows into levels for deterministic GPU training. The Hogwild kernels run
 * the rows of one dispatch in parallel; two rows that share a user or an item (the negative
 * item of BPR counts, when `third` holds item ids) race on that row, so the result depends on
 * scheduling. A row goes one level above the last level that touched any of its table rows,
 * so a level is conflict-free and every table row sees its updates in the epoch's (shuffled,
 * seeded) order, as the sequential CPU loop does. Levels are as many as the busiest user's or
 * item's rows in the epoch; each is one dispatch.
 */
export function conflictFreeLevels(
  r: EpochRows,
  numUsers: number,
  numItems: number,
): { rows: EpochRows; ranges: [number, number][] } {
  const n = r.users.length;
  const negatives = r.third instanceof Int32Array ? r.third : null;
  const userLevel = new Int32Array(numUsers).fill(-1);
  const itemLevel = new Int32Array(numItems).fill(-1);
  const level = new Int32Array(n);
  let levels = 0;
  for (let j = 0; j < n; j++) {
    const u = r.users[j]!;
    const i = r.items[j]!;
    let l = Math.max(userLevel[u]!, itemLevel[i]!);
    if (negatives) l = Math.max(l, itemLevel[negatives[j]!]!);
    l++;
    level[j] = l;
    userLevel[u] = l;
    itemLevel[i] = l;
    if (negatives) itemLevel[negatives[j]!] = l;
    if (l + 1 > levels) levels = l + 1;
  }
  // A stable counting sort by level.
  const start = new Int32Array(levels + 1);
  for (let j = 0; j < n; j++) start[level[j]! + 1]!++;
  for (let l = 0; l < levels; l++) start[l + 1]! += start[l]!;
  const ranges: [number, number][] = [];
  for (let l = 0; l < levels; l++) ranges.push([start[l]!, start[l + 1]! - start[l]!]);
  const users = new Int32Array(n);
  const items = new Int32Array(n);
  const third = new (r.third.constructor as new (n: number) => Float32Array | Int32Array)(n);
  const next = start.slice(0, levels);
  for (let j = 0; j < n; j++) {
    const d = next[level[j]!]!++;
    users[d] = r.users[j]!;
    items[d] = r.items[j]!;
    third[d] = r.third[j]!;
  }
  return { rows: { users, items, third }, ranges };
}

/**
 * Fold-in by SGD for the ranking models (BPR, the hybrid): a new user's vector p, starting at
 * zero, learns against the frozen item table `Q` and biases `bi`, over `epochs` passes of the
 * user's items `seen` (sorted), each paired with a uniform unseen negative from `numItems`.
 * `'bpr'`: -log σ(x_ui - x_uj); `'warp'`: the same pairs with WARP's hinge where violated;
 * `'logistic'`: the positive labelled 1, the negative 0. Returns p.
 */
export function sgdFoldIn(o: {
  Q: Float32Array;
  bi: Float32Array;
  k: number;
  seen: Int32Array;
  loss: 'bpr' | 'warp' | 'logistic';
  lr: number;
  reg: number;
  epochs: number;
  rng: Rng;
}): Float32Array {
  const { Q, bi, k, seen } = o;
  const n = bi.length;
  const p = new Float64Array(k);
  if (seen.length >= n) return new Float32Array(k);
  const score = (i: number) => {
    let s = bi[i]!;
    for (let f = 0; f < k; f++) s += p[f]! * Q[i * k + f]!;
    return s;
  };
  for (let e = 0; e < o.epochs; e++) {
    for (const t of o.rng.permutation(seen.length)) {
      const i = seen[t]!;
      let j = o.rng.int(n);
      while (isIn(seen, j)) j = o.rng.int(n);
      const xi = score(i);
      const xj = score(j);
      let gi: number;
      let gj: number;
      if (o.loss === 'bpr') gi = -(gj = 1 / (1 + Math.exp(xi - xj)));
      else if (o.loss === 'warp') gi = -(gj = xj > xi - 1 ? 1 : 0);
      else {
        gi = 1 / (1 + Math.exp(-xi)) - 1;
        gj = 1 / (1 + Math.exp(-xj));
      }
      for (let f = 0; f < k; f++) p[f]! -= o.lr * (gi * Q[i * k + f]! + gj * Q[j * k + f]! + o.reg * p[f]!);
    }
  }
  return Float32Array.from(p);
}

function isIn(sorted: Int32Array, x: number): boolean {
  let a = 0;
  let b = sorted.length;
  while (a < b) {
    const m = (a + b) >> 1;
    if (sorted[m]! < x) a = m + 1;
    else b = m;
  }
  return a < sorted.length && sorted[a] === x;
}
