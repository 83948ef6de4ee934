export { Pseudonymizer, rotationMap, type PseudonymizerOptions } from './pseudonymize.js';
export {
  detectPii,
  redactPii,
  luhnValid,
  ibanValid,
  PII_TYPES,
  type PiiType,
  type PiiMatch,
  type PiiOptions,
} from './pii.js';
export {
  filterByConsent,
  grants,
  type ConsentValue,
  type ConsentFilterOptions,
  type ConsentFilterResult,
} from './consent.js';
export { kAnonymity, type KAnonymityReport } from './k-anonymity.js';
