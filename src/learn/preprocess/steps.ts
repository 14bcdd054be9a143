/**
 * @module Per-feature transforms: fitted on one training column, then applied
 * identically to any frame, each writing its own block of design-matrix columns.
 */
import { KeelError } from '../../core/errors.js'
import { BOOLEAN_MISSING, type Column } from '../../core/frame.js'
import { fitVocabulary, slotCount, slotNames, slotsOf, UNKNOWN_LEVEL, type Vocabulary } from './categories.js'
import { type DatePart, datePartColumn } from './dates.js'
import { fitImpute } from './impute.js'
import type { PreprocessRecipe } from './recipe.js'
import { fitStandardScale, IDENTITY_SCALING, type Scaling } from './scale.js'

/** Imputed, then scaled: `(value or fill − center) / scale`. */
export interface NumericTransform {
  readonly fill: number
  readonly scaling: Scaling
}

export type Step =
  | { readonly type: 'number'; readonly feature: string; readonly transform: NumericTransform }
  | { readonly type: 'boolean'; readonly feature: string; readonly transform: NumericTransform }
  | { readonly type: 'date-parts'; readonly feature: string; readonly parts: readonly DatePart[]; readonly transforms: readonly NumericTransform[] }
  | { readonly type: 'one-hot'; readonly feature: string; readonly vocabulary: Vocabulary }
  | { readonly type: 'ordinal'; readonly feature: string; readonly vocabulary: Vocabulary; readonly unknownValue: number }

/** The column kind a step reads. */
export function stepKind(step: Step): Column['kind'] {
  return step.type === 'number' ? 'number' : step.type === 'boolean' ? 'boolean' : step.type === 'date-parts' ? 'timestamp' : 'category'
}

function booleanValues(values: Uint8Array): Float64Array {
  const out = new Float64Array(values.length)
  for (let i = 0; i < out.length; i++) out[i] = values[i] === BOOLEAN_MISSING ? Number.NaN : (values[i] as number)
  return out
}

/** `values` with NaN replaced by `fill`; `values` itself when nothing is missing, sparing a column-sized copy. */
function imputed(values: Float64Array, fill: number): Float64Array {
  let missing = false
  for (let i = 0; i < values.length && !missing; i++) missing = Number.isNaN(values[i])
  if (!missing) return values
  const out = new Float64Array(values.length)
  for (let i = 0; i < out.length; i++) {
    const v = values[i] as number
    out[i] = Number.isNaN(v) ? fill : v
  }
  return out
}

function fitNumeric(values: Float64Array, impute: PreprocessRecipe['numbers']['impute'], scale: boolean): NumericTransform {
  const fill = fitImpute(values, impute)
  return { fill, scaling: scale ? fitStandardScale(imputed(values, fill)) : IDENTITY_SCALING }
}

/** Fits the step the recipe prescribes for one training column. */
export function fitStep(feature: string, column: Column, recipe: PreprocessRecipe): Step {
  switch (column.kind) {
    case 'number':
      return { type: 'number', feature, transform: fitNumeric(column.values, recipe.numbers.impute, recipe.numbers.scale) }
    case 'boolean':
      return { type: 'boolean', feature, transform: fitNumeric(booleanValues(column.values), recipe.booleans.impute, false) }
    case 'timestamp': {
      const { parts, impute, scale } = recipe.timestamps
      return { type: 'date-parts', feature, parts, transforms: parts.map((p) => fitNumeric(datePartColumn(column.values, p), impute, scale)) }
    }
    case 'category': {
      const vocabulary = fitVocabulary(column, recipe.categories)
      if (recipe.categories.encoding === 'ordinal') return { type: 'ordinal', feature, vocabulary, unknownValue: recipe.categories.unknownValue }
      return { type: 'one-hot', feature, vocabulary }
    }
  }
}

/** Names of the design-matrix columns a step writes, `feature` or `feature=part`. */
export function stepOutputs(step: Step): string[] {
  switch (step.type) {
    case 'number':
    case 'boolean':
    case 'ordinal':
      return [step.feature]
    case 'date-parts':
      return step.parts.map((p) => `${step.feature}=${p}`)
    case 'one-hot':
      return [...slotNames(step.vocabulary), UNKNOWN_LEVEL].map((l) => `${step.feature}=${l}`)
  }
}

/** A view of the design matrix: row-major with `stride` columns, this step starting at `offset`. */
export interface Block {
  readonly x: Float64Array
  readonly stride: number
  readonly offset: number
}

function writeNumeric(values: Float64Array, t: NumericTransform, out: Block, col: number): void {
  const { center, scale } = t.scaling
  for (let i = 0, at = out.offset + col; i < values.length; i++, at += out.stride) {
    const v = values[i] as number
    out.x[at] = ((Number.isNaN(v) ? t.fill : v) - center) / scale
  }
}

function writeSlots(slots: Int32Array, width: number, out: Block): void {
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i] as number
    out.x[i * out.stride + out.offset + (slot < 0 ? width : slot)] = 1
  }
}

/** Writes a step's columns for `column` into a zero-filled block. */
export function applyStep(step: Step, column: Column, out: Block): void {
  if (step.type === 'number' && column.kind === 'number') writeNumeric(column.values, step.transform, out, 0)
  else if (step.type === 'boolean' && column.kind === 'boolean') writeNumeric(booleanValues(column.values), step.transform, out, 0)
  else if (step.type === 'date-parts' && column.kind === 'timestamp') {
    for (const [k, p] of step.parts.entries()) writeNumeric(datePartColumn(column.values, p), step.transforms[k] as NumericTransform, out, k)
  } else if (step.type === 'one-hot' && column.kind === 'category') writeSlots(slotsOf(step.vocabulary, column), slotCount(step.vocabulary), out)
  else if (step.type === 'ordinal' && column.kind === 'category') {
    const slots = slotsOf(step.vocabulary, column)
    for (let i = 0; i < slots.length; i++) out.x[i * out.stride + out.offset] = (slots[i] as number) < 0 ? step.unknownValue : (slots[i] as number)
  } else throw new KeelError('INTERNAL', `step ${step.type} cannot read a ${column.kind} column`)
}
