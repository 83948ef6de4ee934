import type { BackendName } from '../backends/backend.js';
import { DataError, fmtValue } from '../core/errors.js';
import { TabularEncoder } from '../data/encoder.js';
import { type ModelClass, configObject, fileTensor, registerModelType } from '../io/models.js';
import { tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { type IsotonicJSON, type PlattJSON, calibratorFromJSON } from './calibration.js';
import type { Calibrator } from './calibration.js';
import type { TabularEncoder as Encoder } from '../data/encoder.js';
import { ChurnNet } from './churn-net.js';

/** What the loader needs of ChurnClassifier (churn.ts imports this file, so not the class itself). */
interface ChurnLike {
  readonly options: { hidden: readonly number[]; seed: number; calibration: string; backend?: BackendName };
  restoreParts(
    net: ChurnNet,
    calibrator: Calibrator | null,
    encoder: Encoder | null,
    extra: { names: string[] | null; baseline: Float64Array | null },
  ): this;
}

/**
 * Loading a ChurnClassifier saved by `at.save`: the options rebuild the model (their checks
 * apply), every layer's weight and bias are checked against the feature count and hidden widths
 * before the network is allocated, then the calibrator and encoder are rebuilt from their JSON.
 * churn.ts calls this at module load; taking the class as an argument keeps the import one-way.
 */
export function registerChurnLoader<T extends ChurnLike>(cls: new (options: never) => T): void {
  const Cls = cls as unknown as ModelClass<T> & (new (options: unknown) => T);
  registerModelType('ChurnClassifier', {
    cls: Cls,
    load(config, tensors) {
      const op = 'load ChurnClassifier';
      const c = configObject(op, 'attune.config', config);
      const options = configObject(op, 'options', c.options);
      if (options.hidden !== undefined && !Array.isArray(options.hidden))
        throw new DataError(`${op}: options.hidden must be an array of widths; got ${fmtValue(options.hidden)}`);
      const model = new Cls(options);
      const features = c.features;
      if (typeof features !== 'number' || !Number.isInteger(features) || features < 1)
        throw new DataError(`${op}: features must be a positive integer; got ${fmtValue(features)}`);
      const widths = [features, ...model.options.hidden, 1];
      const expected = new Set<string>();
      for (let i = 0; i + 1 < widths.length; i++) {
        fileTensor(op, tensors, `layer${i}.weight`, 'float32', [widths[i + 1]!, widths[i]!]);
        fileTensor(op, tensors, `layer${i}.bias`, 'float32', [widths[i + 1]!]);
        expected.add(`layer${i}.weight`).add(`layer${i}.bias`);
      }
      const extra = Object.keys(tensors).filter((n) => !expected.has(n));
      if (extra.length) throw new DataError(`${op}: unexpected tensors ${extra.slice(0, 8).join(', ')}`);
      const calibrator =
        c.calibrator === null || c.calibrator === undefined
          ? null
          : calibratorFromJSON(configObject(op, 'calibrator', c.calibrator) as unknown as PlattJSON | IsotonicJSON);
      if ((calibrator === null) !== (model.options.calibration === 'none'))
        throw new DataError(
          `${op}: calibration '${model.options.calibration}' ${calibrator ? 'has' : 'needs'} a fitted calibrator`,
        );
      const encoder =
        c.encoder === null || c.encoder === undefined
          ? null
          : TabularEncoder.fromJSON(
              configObject(op, 'encoder', c.encoder) as Parameters<typeof TabularEncoder.fromJSON>[0],
            );
      // Files written before explanations existed have neither; explain then asks for a baseline.
      const names = optionalArray(op, 'names', c.names, features, (v) => typeof v === 'string') as string[] | null;
      const baseline = optionalArray(op, 'baseline', c.baseline, features, (v) => Number.isFinite(v));
      const net = new ChurnNet(features, model.options.hidden, model.options.seed, model.options.backend);
      const dict = new Map<string, Tensor>();
      for (const n of expected) {
        const t = tensors[n]!;
        dict.set(n, tensor(t.data, { shape: t.shape, backend: 'cpu' }));
      }
      try {
        net.loadStateDict(dict);
      } catch (e) {
        net.dispose();
        throw e;
      } finally {
        for (const t of dict.values()) t.dispose();
      }
      return model.restoreParts(net, calibrator, encoder, {
        names,
        baseline: baseline ? Float64Array.from(baseline as number[]) : null,
      });
    },
  });
}

/** An optional config array of `length` entries that all pass `ok`; null when absent. */
function optionalArray(
  op: string,
  key: string,
  value: unknown,
  length: number,
  ok: (v: unknown) => boolean,
): unknown[] | null {
  if (value === null || value === undefined) return null;
  if (!Array.isArray(value) || value.length !== length || !value.every(ok))
    throw new DataError(`${op}: ${key} must be null or an array of ${length} entries; got ${fmtValue(value)}`);
  return value;
}
