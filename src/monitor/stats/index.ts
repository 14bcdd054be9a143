/** @module The statistics of data-drift monitoring, matching scipy (and Evidently's definitions) to 1e-6. */
export { type BinnedShares, type Binning, type BinningOptions, binnedShares, sturgesEdges } from './binning.js'
export {
  chiSquare,
  type JensenShannonOptions,
  jensenShannon,
  jensenShannonFromWeights,
  jensenShannonNumeric,
  proportionZTest,
  type TestResult,
} from './categorical.js'
export {
  type ColumnDriftOptions,
  type ColumnDriftResult,
  type CurrentColumn,
  chooseTest,
  columnDrift,
  type DatasetDriftResult,
  type DriftKind,
  datasetDrift,
  driftDefaults,
  isPValueTest,
  type StatTest,
} from './drift.js'
export { columnValues, sketchColumn } from './frame-column.js'
export { kolmogorovSf, smirnovSf } from './kolmogorov.js'
export { type KsResult, ksTwoSample } from './ks.js'
export { type DriftPassOptions, type DriftPassResult, driftPass } from './pass.js'
export { EMPTY_BIN_SHARE, fillEmptyBins, psi, psiCategorical } from './psi.js'
export {
  type CategoricalSketch,
  type CategoryValue,
  type ColumnSketch,
  countCategories,
  DEFAULT_PSI_BINS,
  DEFAULT_SKETCH_CAP,
  DISCRETE_MAX_DISTINCT,
  type NumericSample,
  type NumericSketch,
  quantileEdges,
  quantileSorted,
  type SketchNumericOptions,
  sketchCategorical,
  sketchNumeric,
} from './sketch.js'
export { chi2Sf, erfc, gammaincc, logGamma, normalSf } from './special.js'
export { MIN_NORMALIZING_STD, normalizedWasserstein, populationStd, wasserstein } from './wasserstein.js'
