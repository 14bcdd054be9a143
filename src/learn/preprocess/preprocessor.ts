/**
 * @module The fitted preprocessing of a model: from a Frame to a dense design
 * matrix, the same way at training and at predict time, and stored with the model.
 */
import { KeelError } from '../../core/errors.js'
import type { Frame } from '../../core/frame.js'
import type { StoredArray } from '../format.js'
import type { FeatureSpec } from '../model.js'
import { LINEAR_RECIPE, type PreprocessRecipe } from './recipe.js'
import { decodeSteps, encodeSteps } from './serialize.js'
import { applyStep, fitStep, type Step, stepKind, stepOutputs } from './steps.js'

/** Row-major `nRows × nCols` numbers, with a name per column. */
export interface DesignMatrix {
  readonly x: Float64Array
  readonly nRows: number
  readonly nCols: number
  readonly names: readonly string[]
}

/** What a preprocessor contributes to a model file. */
export interface PreprocessorPayload {
  readonly header: { readonly steps: unknown }
  readonly arrays: { readonly 'preprocess.numbers': Float64Array }
}

const invalid = (message: string) => new KeelError('LEARN_INVALID_INPUT', message)

function firstInfinite(values: Float64Array): number {
  for (let i = 0; i < values.length; i++) if (values[i] === Number.POSITIVE_INFINITY || values[i] === Number.NEGATIVE_INFINITY) return i
  return -1
}

/** LEARN_INVALID_INPUT naming every missing column, changed kind or infinite value. */
function checkFrame(frame: Frame, expected: readonly { readonly name: string; readonly kind: string }[]): void {
  const problems: string[] = []
  for (const { name, kind } of expected) {
    if (!frame.has(name)) {
      problems.push(`"${name}" is missing`)
      continue
    }
    const column = frame.column(name)
    if (column.kind !== kind) problems.push(`"${name}" is ${column.kind}, was ${kind} in training`)
    else if (column.kind === 'number' || column.kind === 'timestamp') {
      const row = firstInfinite(column.values)
      if (row >= 0) problems.push(`"${name}" is infinite at row ${row}`)
    }
  }
  if (problems.length > 0) throw invalid(`the frame does not match the model's features: ${problems.join('; ')}`)
}

/**
 * Fitted per-feature transforms.
 *
 * @example
 * ```ts
 * const prep = Preprocessor.fit(frame, [{ name: 'age', kind: 'number' }, { name: 'plan', kind: 'category' }])
 * const { x, names } = prep.transform(frame) // names: ['age', 'plan=free', 'plan=pro', 'plan=__unknown__']
 * ```
 */
export class Preprocessor {
  readonly steps: readonly Step[]
  readonly names: readonly string[]
  readonly #offsets: readonly number[]

  constructor(steps: readonly Step[]) {
    this.steps = steps
    const outputs = steps.map(stepOutputs)
    this.names = outputs.flat()
    let at = 0
    this.#offsets = outputs.map((o) => {
      const start = at
      at += o.length
      return start
    })
  }

  /** Fits one step per feature with `recipe` (default: the linear-model recipe). */
  static fit(frame: Frame, features: readonly FeatureSpec[], recipe: PreprocessRecipe = LINEAR_RECIPE): Preprocessor {
    checkFrame(frame, features)
    return new Preprocessor(features.map((f) => fitStep(f.name, frame.column(f.name), recipe)))
  }

  /** Rebuilds a preprocessor from {@link Preprocessor.toPayload} output read back by `decodeModel`. */
  static fromPayload(header: unknown, arrays: Readonly<Record<string, StoredArray>>): Preprocessor {
    const steps = typeof header === 'object' && header !== null ? (header as { steps?: unknown }).steps : undefined
    return new Preprocessor(decodeSteps(steps, arrays['preprocess.numbers']))
  }

  /** The design matrix of `frame`; LEARN_INVALID_INPUT if its columns do not match training. */
  transform(frame: Frame): DesignMatrix {
    checkFrame(
      frame,
      this.steps.map((s) => ({ name: s.feature, kind: stepKind(s) })),
    )
    const nCols = this.names.length
    const x = new Float64Array(frame.nRows * nCols)
    this.steps.forEach((step, k) => {
      applyStep(step, frame.column(step.feature), { x, stride: nCols, offset: this.#offsets[k] as number })
    })
    return { x, nRows: frame.nRows, nCols, names: this.names }
  }

  toPayload(): PreprocessorPayload {
    const { headers, numbers } = encodeSteps(this.steps)
    return { header: { steps: headers }, arrays: { 'preprocess.numbers': numbers } }
  }
}
