/**
 * A campaign read end to end: design the test (sample size for the lift we care about), run it,
 * read it (sample-ratio check, z-test with intervals, Bayesian reading, daily sequential looks),
 * decide, then target the next send with an uplift model so the e-mail goes to the customers it
 * moves.
 *
 *   npm run build
 *   npx tsx --tsconfig tsconfig.build.json examples/ab-test.ts
 *
 * The campaign is simulated (seeded): 5% of customers buy without the e-mail; the e-mail adds
 * 4 points for engaged customers and nothing for the others, so the average lift is about
 * 1.4 points, and targeting the engaged third should roughly triple it.
 */
import * as at from 'attune';

export interface AbTestExampleOptions {
  seed?: number;
  /** Epochs of the uplift model's classifiers; default 15. */
  epochs?: number;
  log?: (line: string) => void;
}

export interface AbTestExampleResult {
  perArm: number;
  read: at.experiments.ProportionTestResult;
  bayes: at.experiments.BayesResult;
  stoppedOnDay: number | null;
  qini: number;
  topUplift: number;
  averageUplift: number;
}

/** One simulated customer: features, and whether the e-mail would move them. */
function customers(n: number, rng: at.data.Rng): { X: number[][]; engaged: boolean[] } {
  const X: number[][] = [];
  const engaged: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const visits = rng.float() * 10; // site visits last month
    const tenure = rng.float() * 5; // years as a customer
    const opens = rng.float(); // share of past e-mails opened
    X.push([visits / 10, tenure / 5, opens]);
    engaged.push(opens > 0.6 && visits > 3);
  }
  return { X, engaged };
}

function buys(treated: boolean, engaged: boolean, rng: at.data.Rng): number {
  return rng.float() < 0.05 + (treated && engaged ? 0.04 : 0) ? 1 : 0;
}

export async function main(options: AbTestExampleOptions = {}): Promise<AbTestExampleResult> {
  const log = options.log ?? console.log;
  const rng = new at.data.Rng(options.seed ?? 1);
  const ex = at.experiments;

  // 1. Design: users per arm to detect 5% -> 6% (one point) with 80% power at alpha 0.05.
  const design = ex.sampleSizeProportions(0.05, 0.01, { alpha: 0.05, power: 0.8 });
  log(design.summary());
  const mde = ex.mdeProportions(0.05, design.control);
  log(`with ${design.control} per arm the smallest detectable lift is ${(mde.absolute * 100).toFixed(2)} points`);

  // 2. Run it: customers arrive over 14 days, assigned 50/50.
  const n = design.total;
  const pop = customers(n, rng);
  const w = Array.from({ length: n }, () => (rng.float() < 0.5 ? 1 : 0));
  const y = w.map((t, i) => buys(t === 1, pop.engaged[i]!, rng));
  const seq = new ex.SequentialTest({ tau: 0.01, alpha: 0.05 });
  let stoppedOnDay: number | null = null;
  const days = 14;
  for (let d = 1; d <= days; d++) {
    const upTo = Math.round((d * n) / days);
    const arm = (t: number) => {
      let s = 0;
      let k = 0;
      for (let i = 0; i < upTo; i++)
        if (w[i] === t) {
          k++;
          s += y[i]!;
        }
      return { successes: s, trials: k };
    };
    const look = seq.look(arm(0), arm(1));
    if (stoppedOnDay === null && look.decision !== 'no significant difference') {
      stoppedOnDay = d;
      log(`day ${d}: ${look.summary()}`);
    }
  }

  // 3. Read it at the planned end: the split first, then the effect.
  const count = (t: number) => ({
    successes: y.reduce((s, v, i) => s + (w[i] === t ? v : 0), 0),
    trials: w.filter((v) => v === t).length,
  });
  log(ex.sampleRatioMismatch([count(0).trials, count(1).trials]).summary());
  const read = ex.twoProportionTest(count(0), count(1));
  log(read.summary());
  const bayes = ex.bayesProportions(count(0), count(1));
  log(bayes.summary());

  // 4. Decide: ship when the test says the e-mail is better and shipping risks little.
  const ship = read.decision === 'treatment better' && bayes.expectedLoss.treatment < 0.001;
  log(`decision: ${ship ? 'send the e-mail' : 'do not send yet'}`);

  // 5. Target: learn who the e-mail moves, then score next month's customers.
  const t = await new at.uplift.TLearner({
    classifier: () =>
      new at.models.ChurnClassifier({ epochs: options.epochs ?? 15, lr: 0.05, calibration: 'none', seed: 0 }),
  }).fit(pop.X, w, y);
  const next = customers(n, rng);
  const wNext = next.X.map(() => (rng.float() < 0.5 ? 1 : 0));
  const yNext = wNext.map((v, i) => buys(v === 1, next.engaged[i]!, rng));
  const scores = await t.predict(next.X);
  const qini = at.uplift.qiniCoefficient(scores, wNext, yNext);
  const top = at.uplift.upliftAtTop(scores, wNext, yNext, 0.3);
  log(`next send, held-out customers: Qini coefficient ${qini.toFixed(4)}; ${top.summary()}`);
  log(
    `targeting the top 30% lifts purchases by ${(top.effect * 100).toFixed(2)} points vs ${(read.effect * 100).toFixed(2)} on average`,
  );
  return { perArm: design.control, read, bayes, stoppedOnDay, qini, topUplift: top.effect, averageUplift: read.effect };
}

const isMain =
  typeof process !== 'undefined' &&
  process.argv[1] !== undefined &&
  import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  await at.ready({ backend: 'cpu' });
  await main();
}
