import { NumericalError, ValueError } from '../../core/errors.js';
import type { FitControl } from '../../core/fit-control.js';

/** Options of {@link nelderMead}. */
export interface NelderMeadOptions {
  /** Iteration limit; default 2000 × dimensions. */
  maxIterations?: number;
  /** Stop when every vertex lies within xTol of the best, coordinate-wise; default 1e-9. */
  xTol?: number;
  /** ... and their objective values within fTol of the best; default 1e-10. */
  fTol?: number;
  /** Size of the starting simplex's steps from x0; default 0.1 in each coordinate. */
  step?: number;
  /** Name of the caller, for the error message. */
  op?: string;
}

/** The minimum found, with the work it took. */
export interface NelderMeadResult {
  x: number[];
  value: number;
  iterations: number;
  evaluations: number;
}

/** Where a running {@link nelderMeadSteps} is after an iteration. */
export interface NelderMeadStep {
  /** Iterations done so far (over both starts). */
  iteration: number;
  /** The iteration limit. */
  maxIterations: number;
}

/**
 * Minimises `f` by the Nelder-Mead simplex; see {@link nelderMeadSteps}, which this drains.
 */
export function nelderMead(
  f: (x: number[]) => number,
  x0: readonly number[],
  options: NelderMeadOptions = {},
): NelderMeadResult {
  const steps = nelderMeadSteps(f, x0, options);
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
  }
}

/**
 * {@link nelderMead} driven by a fit's {@link FitControl}: each iteration counts as one batch of
 * one epoch (`epoch` = iteration, `epochs` = maxIterations), so `onProgress`, `yieldEvery` and
 * `signal` act between iterations. An abort rejects with the signal's reason; nothing is returned.
 */
export async function nelderMeadControlled(
  f: (x: number[]) => number,
  x0: readonly number[],
  options: NelderMeadOptions,
  control: FitControl,
): Promise<NelderMeadResult> {
  const steps = nelderMeadSteps(f, x0, options);
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
    await control.batch(s.value.iteration, 1, 1);
  }
}

/**
 * Minimises `f` by the Nelder-Mead simplex (reflection 1, expansion 2, contraction ½, shrink ½,
 * the usual constants), restarted once from the best vertex so a simplex that collapsed early
 * gets a fresh shape. Meant for a handful of unconstrained parameters: models optimise their
 * positive parameters on the log scale. Non-finite objective values count as +∞ (the simplex
 * moves away). Reaching `maxIterations` before both tolerances hold is a NumericalError: a fit
 * that did not converge is never returned as if it had. A generator: it yields a
 * {@link NelderMeadStep} after every iteration (so a fit can report progress or stop between
 * iterations) and returns the minimum.
 */
export function* nelderMeadSteps(
  f: (x: number[]) => number,
  x0: readonly number[],
  options: NelderMeadOptions = {},
): Generator<NelderMeadStep, NelderMeadResult> {
  const op = options.op ?? 'nelderMead';
  const n = x0.length;
  if (n < 1) throw new ValueError(`${op}: x0 must hold at least one parameter`);
  if (x0.some((v) => !Number.isFinite(v))) throw new ValueError(`${op}: x0 must be finite; got [${x0.join(', ')}]`);
  const maxIterations = options.maxIterations ?? 2000 * n;
  const xTol = options.xTol ?? 1e-9;
  const fTol = options.fTol ?? 1e-10;
  const step = options.step ?? 0.1;
  let evaluations = 0;
  const fx = (x: number[]): number => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  let start = [...x0];
  let iterations = 0;
  let best: { x: number[]; value: number } = { x: start, value: fx(start) };
  for (let restart = 0; restart < 2; restart++) {
    const simplex: number[][] = [start];
    for (let i = 0; i < n; i++) {
      const v = [...start];
      v[i] = v[i]! + step;
      simplex.push(v);
    }
    const values = simplex.map(fx);
    let converged = false;
    for (;;) {
      const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
      const s = order.map((i) => simplex[i]!);
      const v = order.map((i) => values[i]!);
      for (let i = 0; i <= n; i++) {
        simplex[i] = s[i]!;
        values[i] = v[i]!;
      }
      let spread = 0;
      let fSpread = 0;
      for (let i = 1; i <= n; i++) {
        fSpread = Math.max(fSpread, Math.abs(values[i]! - values[0]!));
        for (let j = 0; j < n; j++) spread = Math.max(spread, Math.abs(simplex[i]![j]! - simplex[0]![j]!));
      }
      if (spread <= xTol && fSpread <= fTol) {
        converged = true;
        break;
      }
      // An iteration is one simplex step; the convergence check above is not one.
      if (iterations >= maxIterations) break;
      iterations++;
      const centroid = new Array<number>(n).fill(0);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j]! += simplex[i]![j]! / n;
      const worst = simplex[n]!;
      const along = (t: number) => centroid.map((c, j) => c + t * (c - worst[j]!));
      const xr = along(1);
      const fr = fx(xr);
      if (fr < values[0]!) {
        const xe = along(2);
        const fe = fx(xe);
        if (fe < fr) [simplex[n], values[n]] = [xe, fe];
        else [simplex[n], values[n]] = [xr, fr];
      } else if (fr < values[n - 1]!) {
        [simplex[n], values[n]] = [xr, fr];
      } else {
        const xc = fr < values[n]! ? along(0.5) : along(-0.5);
        const fc = fx(xc);
        if (fc < Math.min(fr, values[n]!)) [simplex[n], values[n]] = [xc, fc];
        else {
          for (let i = 1; i <= n; i++) {
            simplex[i] = simplex[i]!.map((x, j) => simplex[0]![j]! + 0.5 * (x - simplex[0]![j]!));
            values[i] = fx(simplex[i]!);
          }
        }
      }
      yield { iteration: iterations, maxIterations };
    }
    let b = 0;
    for (let i = 1; i <= n; i++) if (values[i]! < values[b]!) b = i;
    best = { x: simplex[b]!, value: values[b]! };
    if (!converged) {
      throw new NumericalError(
        `${op}: the optimizer did not converge in ${maxIterations} iterations (best objective ${best.value} at [${best.x.map((x) => x.toPrecision(6)).join(', ')}]); raise maxIterations or check the data`,
      );
    }
    if (!Number.isFinite(best.value)) {
      throw new NumericalError(`${op}: the objective is not finite anywhere the optimizer looked; check the data`);
    }
    start = best.x;
  }
  return { x: best.x, value: best.value, iterations, evaluations };
}
