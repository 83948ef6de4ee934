export { IdMap, type Id, type IdMapJSON } from './idmap.js';
export { Interactions } from './interactions.js';
export type {
  DuplicatePolicy,
  InteractionColumns,
  FromArraysOptions,
  InteractionsInit,
  UserGroups,
  ItemGroups,
} from './interactions-types.js';
export { CsvParser, parseCsv, parseNumber, type CsvRecord, type CsvParseOptions } from './csv.js';
export { ErrorLog, type CsvReadOptions } from './rows.js';
export { CsvTable, parseCsvTable, readCsvTable, type NumberColumnOptions } from './table.js';
export {
  readCsvStream,
  readInteractionsCsvStream,
  featureChunks,
  type CsvColumnKind,
  type CsvColumnOf,
  type CsvBatch,
  type CsvStreamOptions,
  type CsvInteractionColumns,
  type ColumnBatch,
} from './csv-stream.js';
export { parseInteractionsCsv, readInteractionsCsv, type InteractionsCsvOptions } from './interactions-csv.js';
export {
  loadMovieLens,
  parseMovieLens,
  detectMovieLensFormat,
  MOVIELENS_FILES,
  type MovieLensFormat,
  type MovieLensOptions,
} from './movielens.js';
export {
  kFold,
  randomSplit,
  temporalSplit,
  leaveLastOut,
  stratifiedSplit,
  type Split,
  type SeedOptions,
  type TemporalSplitOptions,
} from './split.js';
export { Rng, RNG_STREAMS, type RngStream } from '../core/random.js';
export { textChunks, type TextSource } from './source.js';
export { toMatrix, type MatrixInput, type Matrix } from './matrix.js';
export {
  rfmFeatures,
  quintileScores,
  rfmSegmentName,
  type RfmTable,
  type RfmOptions,
  type RfmScale,
  type RfmSegmentName,
  type Transaction,
  type TransactionColumns,
} from './rfm.js';
export {
  TabularEncoder,
  binaryTarget,
  type TabularEncoderOptions,
  type EncodedTable,
  type TableInput,
  type Cell,
  type NumericState,
  type CategoricalState,
} from './encoder.js';
export {
  syntheticShop,
  SHOP_SEGMENTS,
  SHOP_PLANS,
  type SyntheticShop,
  type SyntheticShopOptions,
  type SyntheticCustomer,
  type SyntheticItem,
  type ShopEventType,
} from './synthetic.js';
export {
  summarizeTransactions,
  rfmFromTransactions,
  readTransactions,
  parseDate,
  TIME_UNITS,
  type TimeUnit,
  type TransactionLog,
  type TransactionColumnNames,
  type ParsedTransactions,
  type SummarizeOptions,
  type TransactionSummary,
  type RfmFromTransactionsOptions,
} from './transactions.js';
export { loadCdnow, type CdnowLog } from './cdnow.js';
export { FeatureMatrix, type FeatureCell, type FeatureColumnsOptions } from './features.js';
export {
  readParquet,
  readParquetStream,
  type ParquetSource,
  type ParquetColumnKind,
  type ParquetVectors,
  type ParquetBatch,
  type ParquetReadOptions,
  type ColumnOf,
} from './parquet.js';
export {
  readInteractionsParquet,
  readInteractionsParquetStream,
  exportInteractions,
  type ParquetInteractionColumns,
  type ExportInteractionsOptions,
} from './parquet-interactions.js';
