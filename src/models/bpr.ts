import type { BackendName } from '../backends/backend.js';
import type { Interactions } from '../data/interactions.js';
import { Rng } from '../core/random.js';
import { ValueError, fmtValue } from '../core/errors.js';
import { FactorModel } from './factor-model.js';
import { mfBprStep } from '../ops/fused/mf.js';
import type { FitOptions } from './recommender.js';
import { checkNumber } from '../core/checks.js';
import { FitControl } from '../core/fit-control.js';
import { type HostTables, sgdFoldIn, sgdLoop } from './sgd-loop.js';
import { deterministicAlgorithms } from '../core/determinism.js';
import { factorSpec, registerRecommender } from './recommender-io.js';

export interface BPROptions {
  /** Default 64. */
  factors?: number;
  /** Default 30. */
  epochs?: number;
  /** Default 0.05. */
  lr?: number;
  /** L2 regularization of the factors; default 0.002. */
  reg?: number;
  /** L2 regularization of the item biases; default `reg`. */
  regBias?: number;
  /** The learning rate is multiplied by this after every epoch; default 1. */
  lrDecay?: number;
  /** Default 0.1. */
  initStd?: number;
  /** 'cpu' (default) or 'webgpu' (kernels/mf_sgd.wgsl, entry mf_bpr). */
  backend?: BackendName;
  /** Triples per GPU kernel call (Hogwild batch); default 1024. */
  batchSize?: number;
  seed?: number;
}

/**
 * Bayesian Personalized Ranking (Rendle et al. 2009) for implicit feedback: score(u, i) =
 * b_i + p_u·q_i, trained so that each seen item outscores an unseen one. Each epoch visits every
 * distinct training (user, item) pair once in a shuffled order and pairs it with a negative item
 * drawn uniformly from the items that user has not seen (seeded, on the host, so the cpu and
 * webgpu backends see the same triples); values are ignored (any row is a positive).
 */
export class BPR extends FactorModel {
  readonly kind = 'BPR';
  private readonly opts: Required<Omit<BPROptions, 'regBias'>> & { regBias: number };

  constructor(options: BPROptions = {}) {
    super();
    const k = 'BPR';
    const reg = checkNumber(k, 'reg', options.reg ?? 0.002, { min: 0 });
    this.opts = {
      factors: checkNumber(k, 'factors', options.factors ?? 64, { integer: true, min: 1 }),
      epochs: checkNumber(k, 'epochs', options.epochs ?? 30, { integer: true, min: 0 }),
      lr: checkNumber(k, 'lr', options.lr ?? 0.05, { positive: true }),
      reg,
      regBias: checkNumber(k, 'regBias', options.regBias ?? reg, { min: 0 }),
      lrDecay: checkNumber(k, 'lrDecay', options.lrDecay ?? 1, { positive: true }),
      initStd: checkNumber(k, 'initStd', options.initStd ?? 0.1, { min: 0 }),
      backend: options.backend ?? 'cpu',
      batchSize: checkNumber(k, 'batchSize', options.batchSize ?? 1024, { integer: true, min: 1 }),
      seed: checkNumber(k, 'seed', options.seed ?? 0, { integer: true, min: 0 }),
    };
    if (this.opts.backend !== 'cpu' && this.opts.backend !== 'webgpu') {
      throw new ValueError(`BPR: backend must be 'cpu' or 'webgpu'; got ${fmtValue(this.opts.backend)}`);
    }
  }

  config(): Record<string, unknown> {
    return { ...this.opts };
  }

  /** SGD on the new user's vector alone (the BPR loss, items frozen); see `sgdFoldIn`. */
  protected override foldInRow(
    items: Int32Array,
    _values: Float32Array,
    rng: Rng,
    epochs: number,
  ): { p: Float32Array; bias: number } {
    const o = this.opts;
    const p = sgdFoldIn({
      Q: this.Q,
      bi: this.bi,
      k: this.k,
      seen: items,
      loss: 'bpr',
      lr: o.lr,
      reg: o.reg,
      epochs,
      rng,
    });
    return { p, bias: 0 };
  }

  protected async train(data: Interactions, options: FitOptions): Promise<void> {
    const o = this.opts;
    const k = o.factors;
    const U = data.numUsers;
    const I = data.numItems;
    const rng = new Rng(o.seed, 'BPR');
    const { seenOffsets: off, seenItems: seen } = this;
    const owner = new Int32Array(seen.length);
    for (let u = 0; u < U; u++) owner.fill(u, off[u]!, off[u + 1]!);
    const tables = {
      P: rng.normalArray(U * k, o.initStd),
      Q: rng.normalArray(I * k, o.initStd),
      bu: new Float32Array(U),
      bi: new Float32Array(I),
    };
    await this.runSgd(owner, seen, tables, options.epochs ?? o.epochs, options, rng);
  }

  /** partialFit: the new distinct pairs are the positives; negatives avoid everything seen so far. */
  protected override async continueFit(data: Interactions, tables: HostTables, options: FitOptions): Promise<void> {
    const pairs = new Map<number, Set<number>>();
    for (let r = 0; r < data.length; r++) {
      const u = data.users[r]!;
      if (!pairs.has(u)) pairs.set(u, new Set());
      pairs.get(u)!.add(data.items[r]!);
    }
    const owner: number[] = [];
    const items: number[] = [];
    for (const [u, set] of pairs)
      for (const i of set) {
        owner.push(u);
        items.push(i);
      }
    const rng = new Rng(this.opts.seed, 'BPR', 'shuffle');
    const epochs = options.epochs ?? this.opts.epochs;
    await this.runSgd(Int32Array.from(owner), Int32Array.from(items), tables, epochs, options, rng);
  }

  /** Epochs of BPR over the positive pairs (owner[j], positives[j]) from `tables`; installs the result. */
  private async runSgd(
    owner: Int32Array,
    positives: Int32Array,
    tables: HostTables,
    epochs: number,
    options: FitOptions,
    rng: Rng,
  ): Promise<void> {
    const o = this.opts;
    const k = o.factors;
    const U = tables.bu.length;
    const I = tables.bi.length;
    const { seenOffsets: off, seenItems: seen } = this;
    const n = positives.length;
    const users = new Int32Array(n);
    const pos = new Int32Array(n);
    const neg = new Int32Array(n);
    this.mean = 0;
    const t = await sgdLoop({
      model: this.kind,
      lr: o.lr,
      backend: o.backend,
      k,
      tables,
      epochs,
      batchSize: o.batchSize,
      deterministic: options.deterministic ?? deterministicAlgorithms(),
      rows: () => {
        const perm = rng.permutation(n);
        for (let j = 0; j < n; j++) {
          const a = perm[j]!;
          const u = owner[a]!;
          users[j] = u;
          pos[j] = positives[a]!;
          neg[j] = sampleNegative(rng, I, seen, off[u]!, off[u + 1]!);
        }
        return { users, items: pos, third: neg };
      },
      step: (params, cols, start, count, epoch) =>
        mfBprStep(
          params,
          { users: cols.users, items: cols.items, negatives: cols.third, loss: cols.loss },
          {
            start,
            count,
            lr: o.lr * o.lrDecay ** (epoch - 1),
            reg: o.reg,
            regBias: o.regBias,
          },
        ),
      reduceLoss: (s, rows) => s / rows,
      onEpoch: options.onEpoch,
      control: new FitControl(options, epochs),
      onAborted: (t) => {
        this.setTables(k, t.P, t.Q, new Float32Array(U), t.bi, o.backend);
        this.abortedPartial = true;
      },
    });
    this.setTables(k, t.P, t.Q, new Float32Array(U), t.bi, o.backend);
  }
}

/**
 * A uniform item outside the sorted `seen[lo..hi)`, by rejection; a user who has seen every item
 * gets a seen one (the triple then only regularizes). Rejection is cheap because users see a
 * small share of a catalog.
 */
function sampleNegative(rng: Rng, numItems: number, seen: Int32Array, lo: number, hi: number): number {
  if (hi - lo >= numItems) return rng.int(numItems);
  for (;;) {
    const j = rng.int(numItems);
    let a = lo;
    let b = hi;
    while (a < b) {
      const m = (a + b) >> 1;
      if (seen[m]! < j) a = m + 1;
      else b = m;
    }
    if (a === hi || seen[a] !== j) return j;
  }
}

registerRecommender('BPR', BPR, (c) => new BPR(c), factorSpec);
