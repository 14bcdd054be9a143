/** @module Validation: train/test splits as row indices, and cross-validation of a learner. */
export { type CrossValidateOptions, type CrossValidation, crossValidate, defaultSplits, type FoldResult } from './cross-validate.js'
export { type HoldoutOptions, holdout } from './holdout.js'
export { type KFoldOptions, kFold, stratifiedKFold } from './kfold.js'
export type { Split } from './split.js'
export { targetsFor } from './targets.js'
export { type TimeSplitOptions, timeSplit } from './time.js'
