/** @module Model metrics with scikit-learn's definitions, their directions, and `evaluate`. */
export type { ClassLabels } from './check.js'
export { type Average, type AverageOptions, accuracy, balancedAccuracy, confusionMatrix, f1, precision, recall } from './classification.js'
export { type CalibrationBin, calibration, type PrPoint, prCurve, type RocPoint, rocCurve } from './curves.js'
export { evaluate } from './evaluate.js'
export { brierScore, type LogLossOptions, logLoss } from './probabilistic.js'
export { averagePrecision, rocAuc } from './ranking.js'
export { mae, mape, r2, rmse } from './regression.js'
export { type Direction, METRICS, type MetricName, type MetricSpec, metricFor, predictedClasses, STANDARD_METRICS } from './table.js'
