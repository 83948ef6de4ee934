/**
 * The Hillstrom e-mail campaign (64,000 customers randomly split into Mens e-mail, Womens e-mail
 * and no e-mail; outcomes visit, conversion and spend over two weeks) read end to end with
 * at.experiments and at.uplift:
 *
 *  1. the sample-ratio-mismatch check of the three arms;
 *  2. each e-mail arm against control for visit, conversion and spend: effect, interval, p-value
 *     (Holm over the two arms), relative lift and the Bayesian probability to beat control;
 *  3. CUPED on spend with last year's `history` as the covariate: variance reduction;
 *  4. uplift models for visit (any e-mail vs none) on a seeded 70/30 split: T-, X- and
 *     transformed-outcome learners with a logistic ChurnClassifier, against random targeting and
 *     a response-only model (the same classifier predicting visit, treatment ignored): Qini
 *     coefficient, AUUC and the observed uplift of the top 30% targeted;
 *  5. daily peeking on an A/A split of the control arm (500 random splits, 14 daily looks):
 *     false-positive rate of naive repeated z-tests against the mSPRT.
 *
 *   node --import tsx --import ./benchmarks/wgsl-loader.mjs benchmarks/hillstrom.ts
 *
 * Reads ../shared/datasets/hillstrom/hillstrom.csv (never copied here). Writes
 * bench-results/hillstrom.{json,md}.
 */
import { fileURLToPath } from 'node:url';
import * as at from '../src/index.js';
import { environment, markdownTable, writeResults } from './harness.js';

const PATH = fileURLToPath(new URL('../../shared/datasets/hillstrom/hillstrom.csv', import.meta.url));
const CONTROL = 'No E-Mail';
const ARMS = ['Mens E-Mail', 'Womens E-Mail'];
const ex = at.experiments;
const up = at.uplift;

const pct = (x: number, d = 2) => `${(100 * x).toFixed(d)}%`;
const num = (x: number, d = 4) => x.toFixed(d);
const pval = (p: number) => (p < 1e-4 ? p.toExponential(1) : p.toFixed(4));
const ci = (i: readonly number[], f: (x: number) => string) => `[${f(i[0]!)}, ${f(i[1]!)}]`;

interface Customer {
  segment: string;
  visit: number;
  conversion: number;
  spend: number;
  history: number;
  features: number[];
}

async function load(): Promise<Customer[]> {
  const t = await at.data.readCsvTable(PATH);
  const col = (n: string) => t.column(n) as string[];
  const [segment, visit, conversion, spend, history, recency, mens, womens, newbie, zip, channel] = [
    'segment',
    'visit',
    'conversion',
    'spend',
    'history',
    'recency',
    'mens',
    'womens',
    'newbie',
    'zip_code',
    'channel',
  ].map(col) as string[][];
  return segment!.map((s, i) => {
    const h = Number(history![i]);
    // Fixed scalings (no fitting, so no test rows leak into the features).
    const features = [
      Number(recency![i]) / 12,
      Math.log1p(h) / 6,
      Number(mens![i]),
      Number(womens![i]),
      Number(newbie![i]),
      zip![i] === 'Urban' ? 1 : 0,
      zip![i] === 'Surburban' ? 1 : 0,
      channel![i] === 'Web' ? 1 : 0,
      channel![i] === 'Phone' ? 1 : 0,
    ];
    return {
      segment: s,
      visit: Number(visit![i]),
      conversion: Number(conversion![i]),
      spend: Number(spend![i]),
      history: h,
      features,
    };
  });
}

function abTables(rows: Customer[]) {
  const by = (s: string) => rows.filter((r) => r.segment === s);
  const control = by(CONTROL);
  const counts = (g: Customer[], k: 'visit' | 'conversion') => ({
    successes: g.reduce((s, r) => s + r[k], 0),
    trials: g.length,
  });
  const srm = ex.sampleRatioMismatch([control.length, ...ARMS.map((a) => by(a).length)]);
  const out: (string | number)[][] = [];
  const json: Record<string, unknown> = {};
  for (const k of ['visit', 'conversion'] as const) {
    const family = ex.compareArms(counts(control, k), Object.fromEntries(ARMS.map((a) => [a, counts(by(a), k)])));
    for (const a of ARMS) {
      const r = family[a]!;
      const b = ex.bayesProportions(counts(control, k), counts(by(a), k));
      out.push([
        a,
        k,
        `${pct(r.control.rate)} -> ${pct(r.treatment.rate)}`,
        `${(r.effect * 100).toFixed(2)} pt`,
        ci(r.interval, (x) => (x * 100).toFixed(2)),
        r.lift ? `${pct(r.lift.effect, 1)} ${ci(r.lift.interval, (x) => pct(x, 1))}` : '-',
        pval(r.rawPValue),
        pval(r.pValue),
        num(b.probabilityToBeat),
        r.decision,
      ]);
      json[`${a}/${k}`] = {
        effect: r.effect,
        interval: r.interval,
        p: r.rawPValue,
        pHolm: r.pValue,
        lift: r.lift,
        pBeat: b.probabilityToBeat,
      };
    }
  }
  const spendFamily = ex.compareArms(
    control.map((r) => r.spend),
    Object.fromEntries(ARMS.map((a) => [a, by(a).map((r) => r.spend)])),
  );
  for (const a of ARMS) {
    const r = spendFamily[a]!;
    const boot = ex.bootstrapMeanDiff(
      control.map((c) => c.spend),
      by(a).map((c) => c.spend),
      { resamples: 1000, seed: 1 },
    );
    const b = ex.bayesMeans(
      control.map((c) => c.spend),
      by(a).map((c) => c.spend),
    );
    out.push([
      a,
      'spend ($/customer)',
      `${num(r.control.mean, 3)} -> ${num(r.treatment.mean, 3)}`,
      `$${num(r.effect, 3)}`,
      `${ci(r.interval, (x) => num(x, 3))} (bootstrap ${ci(boot.interval, (x) => num(x, 3))})`,
      r.lift ? `${pct(r.lift.effect, 1)} ${ci(r.lift.interval, (x) => pct(x, 1))}` : '-',
      pval(r.rawPValue),
      pval(r.pValue),
      num(b.probabilityToBeat),
      r.decision,
    ]);
    json[`${a}/spend`] = {
      effect: r.effect,
      interval: r.interval,
      bootstrap: boot.interval,
      p: r.rawPValue,
      pHolm: r.pValue,
      pBeat: b.probabilityToBeat,
    };
  }
  const table = markdownTable(
    [
      'arm',
      'outcome',
      'control -> arm',
      'effect',
      '95% CI (Newcombe / Welch)',
      'relative lift (delta CI)',
      'p',
      'p (Holm, 2 arms)',
      'P(beat control)',
      'decision',
    ],
    out,
  );
  const cupedRows = ARMS.map((a) => {
    const arm = (g: Customer[]) => ({ y: g.map((r) => r.spend), x: g.map((r) => r.history) });
    const r = ex.cuped(arm(control), arm(by(a)));
    const w = (i: readonly number[]) => i[1]! - i[0]!;
    json[`${a}/cuped`] = {
      theta: r.theta,
      varianceReduction: r.varianceReduction,
      interval: r.interval,
      unadjusted: r.unadjusted.interval,
    };
    return [
      a,
      num(r.theta, 5),
      pct(r.varianceReduction, 2),
      `$${num(r.unadjusted.effect, 3)} ${ci(r.unadjusted.interval, (x) => num(x, 3))}`,
      `$${num(r.effect, 3)} ${ci(r.interval, (x) => num(x, 3))}`,
      pct(1 - w(r.interval) / w(r.unadjusted.interval), 2),
      pval(r.pValue),
    ];
  });
  const cupedTable = markdownTable(
    [
      'arm',
      'theta',
      'variance reduction',
      'spend effect, plain Welch',
      'spend effect, CUPED',
      'CI narrower by',
      'p (CUPED)',
    ],
    cupedRows,
  );
  return { srm, table, cupedTable, json };
}

async function upliftTables(rows: Customer[]) {
  const rng = new at.data.Rng(7);
  const order = rng.permutation(rows.length);
  const cut = Math.round(0.7 * rows.length);
  const pick = (idx: ArrayLike<number>) => Array.from(idx, (i) => rows[i]!);
  const train = pick(order.subarray(0, cut));
  const test = pick(order.subarray(cut));
  const X = (g: Customer[]) => g.map((r) => r.features);
  const w = (g: Customer[]) => g.map((r) => (r.segment === CONTROL ? 0 : 1));
  const y = (g: Customer[]) => g.map((r) => r.visit);
  const classifier = () =>
    new at.models.ChurnClassifier({ hidden: [], epochs: 20, lr: 0.01, seed: 0, calibration: 'platt', backend: 'cpu' });
  const scores: Record<string, ArrayLike<number>> = {};
  const fitMs: Record<string, number> = {};
  const time = async <T>(name: string, f: () => Promise<T>) => {
    const t0 = performance.now();
    const r = await f();
    fitMs[name] = performance.now() - t0;
    return r;
  };
  const t = await time('T-learner', () => new up.TLearner({ classifier }).fit(X(train), w(train), y(train)));
  const x = await time('X-learner', () => new up.XLearner({ classifier }).fit(X(train), w(train), y(train)));
  const to = await time('transformed outcome', () =>
    new up.TransformedOutcomeLearner().fit(X(train), w(train), y(train)),
  );
  const resp = await time('response-only', () => classifier().fit(X(train), Uint8Array.from(y(train))));
  scores['T-learner'] = await t.predict(X(test));
  scores['X-learner'] = await x.predict(X(test));
  scores['transformed outcome'] = await to.predict(X(test));
  scores['response-only model (baseline)'] = await resp.predictProba(X(test));
  scores['random targeting (baseline)'] = Float64Array.from(test, () => rng.float());
  const all = ex.twoProportionTest(
    {
      successes: test.filter((r) => r.segment === CONTROL).reduce((s, r) => s + r.visit, 0),
      trials: test.filter((r) => r.segment === CONTROL).length,
    },
    {
      successes: test.filter((r) => r.segment !== CONTROL).reduce((s, r) => s + r.visit, 0),
      trials: test.filter((r) => r.segment !== CONTROL).length,
    },
  );
  const json: Record<string, unknown> = { testRows: test.length, ateVisit: all.effect };
  const out = Object.entries(scores).map(([name, s]) => {
    const a = up.auuc(s, w(test), y(test));
    const q = up.qiniCoefficient(s, w(test), y(test));
    const top = up.upliftAtTop(s, w(test), y(test), 0.3);
    json[name] = {
      qini: q,
      auuc: a.model,
      auucRandom: a.random,
      top30: top.effect,
      top30Interval: top.interval,
      fitMs: fitMs[name.replace(' (baseline)', '').replace(' model', '')],
    };
    return [
      name,
      num(q, 5),
      num(a.model, 5),
      num(a.random, 5),
      `${(top.effect * 100).toFixed(2)} pt ${ci(top.interval, (v) => (v * 100).toFixed(2))}`,
      pval(top.pValue),
    ];
  });
  const table = markdownTable(
    [
      'targeting by',
      'Qini coefficient (per customer)',
      'AUUC (per customer)',
      'AUUC of random targeting',
      'visit uplift in the top 30% (95% CI)',
      'p (top 30%)',
    ],
    out,
  );
  return { table, all, json, fitMs, trainRows: train.length, testRows: test.length };
}

/** A/A on the control arm: random halves, customers arriving over 14 days, read every day. */
function peeking(rows: Customer[], sims: number) {
  const control = rows.filter((r) => r.segment === CONTROL).map((r) => r.visit);
  const rng = new at.data.Rng(11);
  const days = 14;
  let naive = 0;
  let seq = 0;
  let final = 0;
  for (let s = 0; s < sims; s++) {
    const order = rng.permutation(control.length);
    const a = { successes: 0, trials: 0 };
    const b = { successes: 0, trials: 0 };
    const test = new ex.SequentialTest({ tau: 0.01, alpha: 0.05 });
    let naiveHit = false;
    let seqHit = false;
    let last = 1;
    for (let d = 1; d <= days; d++) {
      const end = Math.round((d * order.length) / days);
      for (let k = Math.round(((d - 1) * order.length) / days); k < end; k++) {
        const arm = rng.float() < 0.5 ? a : b;
        arm.trials++;
        arm.successes += control[order[k]!]!;
      }
      last = ex.twoProportionTest(a, b).pValue;
      if (last < 0.05) naiveHit = true;
      if (test.look(a, b).pValue < 0.05) seqHit = true;
    }
    naive += naiveHit ? 1 : 0;
    seq += seqHit ? 1 : 0;
    final += last < 0.05 ? 1 : 0;
  }
  return { sims, days, naive: naive / sims, sequential: seq / sims, finalOnly: final / sims };
}

export async function runHillstrom(): Promise<{ markdown: string }> {
  const t0 = performance.now();
  const rows = await load();
  const ab = abTables(rows);
  const uplift = await upliftTables(rows);
  const peek = peeking(rows, 500);
  const markdown = [
    '# Hillstrom e-mail campaign: A/B read, CUPED, uplift and peeking',
    '',
    `${rows.length} customers. ${ab.srm.summary()}`,
    '',
    '## Each e-mail arm against no e-mail',
    '',
    ab.table,
    '',
    "## CUPED on spend (covariate: last year's `history`)",
    '',
    ab.cupedTable,
    '',
    `## Uplift for visit (any e-mail vs none), seeded 70/30 split: ${uplift.trainRows} train, ${uplift.testRows} test rows`,
    '',
    `Average effect of an e-mail on visit in the test rows: ${(uplift.all.effect * 100).toFixed(2)} pt ${ci(uplift.all.interval, (v) => (v * 100).toFixed(2))}.`,
    'Learners use a logistic ChurnClassifier (20 epochs, Platt, cpu); the X- and transformed-outcome learners regress with RidgeRegressor.',
    '',
    uplift.table,
    '',
    `Fit times (ms): ${Object.entries(uplift.fitMs)
      .map(([k, v]) => `${k} ${v.toFixed(0)}`)
      .join(', ')}.`,
    '',
    `## Daily peeking, A/A on the control arm (${peek.sims} random splits x ${peek.days} daily looks, alpha 0.05, mSPRT tau 0.01)`,
    '',
    markdownTable(
      ['method', 'false-positive rate'],
      [
        ['naive z-test at every look', pct(peek.naive, 1)],
        ['z-test once at the end (no peeking)', pct(peek.finalOnly, 1)],
        ['mSPRT always-valid p-value at every look', pct(peek.sequential, 1)],
      ],
    ),
    '',
    `Total ${((performance.now() - t0) / 1000).toFixed(1)} s.`,
  ].join('\n');
  const out = writeResults(
    'hillstrom',
    { environment: environment(), ab: ab.json, srm: ab.srm, uplift: uplift.json, peeking: peek },
    markdown,
  );
  console.log(`\n${markdown}\n\nwrote ${out.md}`);
  return { markdown };
}

export const run = runHillstrom;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runHillstrom();
