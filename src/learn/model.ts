/**
 * @module What every learner and model in Keel has in common.
 */
import type { ColumnKind, Frame } from '../core/frame.js'

/** `binary` and `multiclass` are classification; `regression` predicts numbers. */
export type Task = 'binary' | 'multiclass' | 'regression'

/** One input feature as seen at training time. */
export interface FeatureSpec {
  readonly name: string
  readonly kind: ColumnKind
  /** Category levels seen in training, in code order (category features only). */
  readonly levels?: readonly string[]
}

/**
 * Model output. Regression: `values[i]` is row i's prediction. Classification:
 * `values` holds `nRows × classes.length` probabilities, row-major, each row summing to 1.
 */
export interface Predictions {
  readonly task: Task
  readonly nRows: number
  /** Class labels in column order (sorted as scikit-learn sorts them); empty for regression. */
  readonly classes: readonly string[]
  readonly values: Float64Array
}

/** A fitted model: predicts on frames with the training features, and saves to bytes. */
export interface Model {
  /** The learner that made it: `gbdt`, `logistic`, `linear`, `random-forest`, `baseline`. */
  readonly kind: string
  readonly task: Task
  readonly label: string
  readonly features: readonly FeatureSpec[]
  readonly classes: readonly string[]
  predict(frame: Frame): Predictions
  /**
   * The same predictions from rows already encoded, for a server answering one request at a
   * time without building a frame (optional; tree models have it). `rows` holds
   * `nRows × features.length` values, row-major, in `features` order, encoded as
   * `featureColumns` (training-data.ts) encodes a frame: numbers and timestamps as they are,
   * booleans 0/1, categories as their training level's index; NaN for missing values and unseen levels.
   */
  predictRows?(rows: Float64Array, nRows: number): Predictions
  /** A versioned binary encoding that `loadModel` restores exactly. */
  save(): Uint8Array
}

export interface FitOptions {
  /** The column to predict. */
  readonly label: string
  /** Default `auto`: strings/booleans and integer columns with two values are classification, other numbers regression. */
  readonly task?: Task | 'auto'
  /** Feature columns; default every column but the label. */
  readonly features?: readonly string[]
  /** Held-out rows for early stopping (learners that support it). */
  readonly validation?: Frame
}

/** A configured learning algorithm. `fit` never mutates the learner. */
export interface Learner<P = unknown> {
  readonly kind: string
  readonly params: Readonly<P>
  fit(frame: Frame, options: FitOptions): Promise<Model>
}
