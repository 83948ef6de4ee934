import { ValueError, fmtValue } from '../../core/errors.js';
import { FitControl, type FitControlOptions } from '../../core/fit-control.js';
import { RidgeRegressor } from './ridge.js';
import { type Rows, checkRows, toAssignment, toOutcomes } from './rows.js';

/**
 * Any binary classifier: `fit` on rows and 0/1 labels, `predictProba` giving P(y = 1) per row.
 * attune's `ChurnClassifier` is one (sync or async methods both work).
 */
export interface UpliftClassifier {
  fit(X: Rows, y: Uint8Array): unknown;
  predictProba(X: Rows): ArrayLike<number> | Promise<ArrayLike<number>>;
}

/** Any regressor on rows: {@link RidgeRegressor} by default. */
export interface UpliftRegressor {
  fit(X: Rows, y: Float64Array): unknown;
  predict(X: Rows): ArrayLike<number> | Promise<ArrayLike<number>>;
}

/** Makes a fresh, unfitted classifier; each learner calls it once per model it needs. */
export type ClassifierFactory = () => UpliftClassifier;
/** Makes a fresh, unfitted regressor. */
export type RegressorFactory = () => UpliftRegressor;

/** What every uplift learner offers once fitted. */
export interface UpliftModel {
  /** Fits on features X, assignment (1 = treated) and binary outcome y. */
  fit(
    X: Rows,
    treatment: ArrayLike<number | boolean>,
    y: ArrayLike<number | boolean>,
    options?: FitControlOptions,
  ): Promise<unknown>;
  /** Predicted uplift per row: P(y = 1 | treated) - P(y = 1 | control). */
  predict(X: Rows): Promise<Float64Array>;
}

interface Split {
  X: Rows;
  w: Uint8Array;
  y: Float64Array;
  treated: Rows;
  control: Rows;
  yTreated: Uint8Array;
  yControl: Uint8Array;
}

function split(op: string, X: Rows, treatment: ArrayLike<number | boolean>, y: ArrayLike<number | boolean>): Split {
  const n = X?.length ?? 0;
  checkRows(op, X, n);
  const w = toAssignment(op, treatment, n);
  const yy = toOutcomes(op, y, n);
  for (let i = 0; i < n; i++)
    if (yy[i] !== 0 && yy[i] !== 1) throw new ValueError(`${op}: y[${i}] must be 0 or 1; got ${fmtValue(y[i])}`);
  const treated: (readonly number[])[] = [];
  const control: (readonly number[])[] = [];
  const yt: number[] = [];
  const yc: number[] = [];
  for (let i = 0; i < n; i++) {
    if (w[i]) {
      treated.push(X[i]!);
      yt.push(yy[i]!);
    } else {
      control.push(X[i]!);
      yc.push(yy[i]!);
    }
  }
  return { X, w, y: yy, treated, control, yTreated: Uint8Array.from(yt), yControl: Uint8Array.from(yc) };
}

async function proba(op: string, model: UpliftClassifier | UpliftRegressor, X: Rows): Promise<ArrayLike<number>> {
  const p = await ('predictProba' in model ? model.predictProba(X) : model.predict(X));
  if (!p || p.length !== X.length)
    throw new ValueError(`${op}: the model returned ${p?.length} predictions for ${X.length} rows`);
  for (let i = 0; i < p.length; i++)
    if (!Number.isFinite(p[i]!)) throw new ValueError(`${op}: the model predicted ${fmtValue(p[i])} for row ${i}`);
  return p;
}

function checkFactory(op: string, name: string, f: unknown): void {
  if (typeof f !== 'function')
    throw new ValueError(`${op}: ${name} must be a function returning a fresh model; got ${fmtValue(f)}`);
}

function checkPropensity(op: string, e: number | undefined): void {
  if (e !== undefined && !(e > 0 && e < 1))
    throw new ValueError(`${op}: propensity must be in (0, 1); got ${fmtValue(e)}`);
}

function notFitted(op: string): never {
  throw new ValueError(`${op}: call fit first`);
}

/**
 * T-learner ("two models"): one classifier on the treated users and one on the control users;
 * the uplift of a user is the difference of their two predicted probabilities. Simple and
 * strong when both arms are large. `fit` reports one progress step per model and can be
 * aborted between them (the learner then keeps its earlier fit).
 *
 * @example
 * const t = new at.uplift.TLearner({ classifier: () => new at.models.ChurnClassifier({ epochs: 20 }) });
 * await t.fit(X, treated, visited);
 * const uplift = await t.predict(Xtest);
 */
export class TLearner implements UpliftModel {
  private readonly make: ClassifierFactory;
  private models: { treated: UpliftClassifier; control: UpliftClassifier } | null = null;

  constructor(options: { classifier: ClassifierFactory }) {
    checkFactory('TLearner', 'classifier', options?.classifier);
    this.make = options.classifier;
  }

  async fit(
    X: Rows,
    treatment: ArrayLike<number | boolean>,
    y: ArrayLike<number | boolean>,
    options: FitControlOptions = {},
  ): Promise<this> {
    const s = split('TLearner.fit', X, treatment, y);
    const control = new FitControl(options, 1);
    const treated = this.make();
    await treated.fit(s.treated, s.yTreated);
    await control.batch(1, 1, 2);
    const ctrl = this.make();
    await ctrl.fit(s.control, s.yControl);
    await control.batch(1, 2, 2);
    this.models = { treated, control: ctrl };
    return this;
  }

  async predict(X: Rows): Promise<Float64Array> {
    const op = 'TLearner.predict';
    const m = this.models ?? notFitted(op);
    checkRows(op, X, X?.length ?? 0);
    const p1 = await proba(op, m.treated, X);
    const p0 = await proba(op, m.control, X);
    return Float64Array.from(p1, (p, i) => p - p0[i]!);
  }
}

/**
 * X-learner (Künzel, Sekhon, Bickel and Yu, 2019). Stage 1 is the T-learner's two classifiers
 * μ1, μ0. Stage 2 imputes each user's effect with the other arm's model (treated: y - μ0(x),
 * control: μ1(x) - y) and regresses it on the features (a {@link RidgeRegressor} by default),
 * one regressor τ1, τ0 per arm. The uplift is e·τ0(x) + (1 - e)·τ1(x), e the propensity (the
 * treated share of the training data unless given). It borrows strength across arms, which
 * helps when one arm is much smaller than the other.
 */
export class XLearner implements UpliftModel {
  private readonly make: ClassifierFactory;
  private readonly makeRegressor: RegressorFactory;
  private readonly propensityOption: number | undefined;
  private models: { tau1: UpliftRegressor; tau0: UpliftRegressor; e: number } | null = null;

  constructor(options: { classifier: ClassifierFactory; regressor?: RegressorFactory; propensity?: number }) {
    checkFactory('XLearner', 'classifier', options?.classifier);
    if (options.regressor !== undefined) checkFactory('XLearner', 'regressor', options.regressor);
    checkPropensity('XLearner', options.propensity);
    this.make = options.classifier;
    this.makeRegressor = options.regressor ?? (() => new RidgeRegressor());
    this.propensityOption = options.propensity;
  }

  async fit(
    X: Rows,
    treatment: ArrayLike<number | boolean>,
    y: ArrayLike<number | boolean>,
    options: FitControlOptions = {},
  ): Promise<this> {
    const op = 'XLearner.fit';
    const s = split(op, X, treatment, y);
    const control = new FitControl(options, 1);
    const mu1 = this.make();
    await mu1.fit(s.treated, s.yTreated);
    await control.batch(1, 1, 4);
    const mu0 = this.make();
    await mu0.fit(s.control, s.yControl);
    await control.batch(1, 2, 4);
    const mu0OnTreated = await proba(op, mu0, s.treated);
    const mu1OnControl = await proba(op, mu1, s.control);
    const d1 = Float64Array.from(s.yTreated, (v, i) => v - mu0OnTreated[i]!);
    const d0 = Float64Array.from(s.yControl, (v, i) => mu1OnControl[i]! - v);
    const tau1 = this.makeRegressor();
    await tau1.fit(s.treated, d1);
    await control.batch(1, 3, 4);
    const tau0 = this.makeRegressor();
    await tau0.fit(s.control, d0);
    await control.batch(1, 4, 4);
    this.models = { tau1, tau0, e: this.propensityOption ?? s.treated.length / s.X.length };
    return this;
  }

  async predict(X: Rows): Promise<Float64Array> {
    const op = 'XLearner.predict';
    const m = this.models ?? notFitted(op);
    checkRows(op, X, X?.length ?? 0);
    const t1 = await proba(op, m.tau1, X);
    const t0 = await proba(op, m.tau0, X);
    return Float64Array.from(t1, (v, i) => m.e * t0[i]! + (1 - m.e) * v);
  }
}

/**
 * Transformed-outcome learner (Athey and Imbens, 2016): Z = y·(w - e)/(e(1 - e)) has
 * E[Z | x] = uplift(x) under random assignment with propensity e, so one regression of Z on
 * the features estimates the uplift directly (a {@link RidgeRegressor} by default). Noisier than
 * the two-model learners, but a single model with no arm-by-arm fitting.
 */
export class TransformedOutcomeLearner implements UpliftModel {
  private readonly makeRegressor: RegressorFactory;
  private readonly propensityOption: number | undefined;
  private model: UpliftRegressor | null = null;

  constructor(options: { regressor?: RegressorFactory; propensity?: number } = {}) {
    if (options.regressor !== undefined) checkFactory('TransformedOutcomeLearner', 'regressor', options.regressor);
    checkPropensity('TransformedOutcomeLearner', options.propensity);
    this.makeRegressor = options.regressor ?? (() => new RidgeRegressor());
    this.propensityOption = options.propensity;
  }

  async fit(
    X: Rows,
    treatment: ArrayLike<number | boolean>,
    y: ArrayLike<number | boolean>,
    options: FitControlOptions = {},
  ): Promise<this> {
    const s = split('TransformedOutcomeLearner.fit', X, treatment, y);
    const control = new FitControl(options, 1);
    const e = this.propensityOption ?? s.treated.length / s.X.length;
    const z = Float64Array.from(s.y, (v, i) => (v * (s.w[i]! - e)) / (e * (1 - e)));
    const model = this.makeRegressor();
    await model.fit(s.X, z);
    await control.batch(1, 1, 1);
    this.model = model;
    return this;
  }

  async predict(X: Rows): Promise<Float64Array> {
    const op = 'TransformedOutcomeLearner.predict';
    const m = this.model ?? notFitted(op);
    checkRows(op, X, X?.length ?? 0);
    return Float64Array.from(await proba(op, m, X));
  }
}
