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
