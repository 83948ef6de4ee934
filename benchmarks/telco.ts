import * as at from '../src/index.js';
import { fileURLToPath } from 'node:url';

/** The IBM Telco churn table every churn benchmark reads, and its feature columns by kind. */
export const TELCO_PATH = fileURLToPath(
  new URL('../../shared/datasets/telco-churn/WA_Fn-UseC_-Telco-Customer-Churn.csv', import.meta.url),
);
export const TELCO_NUMERIC = ['tenure', 'MonthlyCharges', 'TotalCharges', 'SeniorCitizen'];
export const TELCO_CATEGORICAL = [
  'gender',
  'Partner',
  'Dependents',
  'PhoneService',
  'MultipleLines',
  'InternetService',
  'OnlineSecurity',
  'OnlineBackup',
  'DeviceProtection',
  'TechSupport',
  'StreamingTV',
  'StreamingMovies',
  'Contract',
  'PaperlessBilling',
  'PaymentMethod',
];

/** The logistic baseline both the fairness and the importance benchmarks read: Platt-calibrated, seeded, on the CPU. */
export function fitTelcoLogistic(
  X: at.data.MatrixInput,
  y: ArrayLike<number>,
  rows: readonly number[],
): Promise<at.models.ChurnClassifier> {
  return new at.models.ChurnClassifier({
    hidden: [],
    epochs: 60,
    lr: 0.01,
    weightDecay: 1e-4,
    seed: 0,
    calibration: 'platt',
    backend: 'cpu',
  }).fit(
    X,
    Uint8Array.from(rows, (r) => y[r]!),
  );
}
