/** @module Hyperparameter search over cross-validated trials. */
export { type HalvingOptions, schedule } from './halving.js'
export { type SearchOptions, type SearchResult, search } from './search.js'
export { choice, type Distribution, grid, intRange, logUniform, type Params, type ParamValue, type SearchSpace, sample, uniform } from './space.js'
export type { Trial } from './trial.js'
