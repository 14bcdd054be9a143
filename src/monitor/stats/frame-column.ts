/** @module Bridges Keel's Frame columns to the drift statistics: number and timestamp columns are numeric, category and boolean ones categorical. */
import { BOOLEAN_MISSING, type BooleanColumn, type CategoryColumn, type Column } from '../../core/frame.js'
import type { CurrentColumn } from './drift.js'
import { type CategoryValue, type ColumnSketch, type SketchNumericOptions, sketchCategorical, sketchNumeric } from './sketch.js'

/** Category labels of a category or boolean column, missing values as null. */
function labels(column: CategoryColumn | BooleanColumn): CategoryValue[] {
  if (column.kind === 'category') return Array.from(column.codes, (code) => (code < 0 ? null : (column.levels[code] ?? null)))
  return Array.from(column.values, (v) => (v === BOOLEAN_MISSING ? null : v === 1 ? 'true' : 'false'))
}

/**
 * A Frame column as the drift tests take it: the Float64Array of a number or
 * timestamp column (NaN missing), the labels of a category or boolean column.
 *
 * @example
 * ```ts
 * columnDrift('plan', referenceSketches.plan, columnValues(window.column('plan')))
 * ```
 */
export function columnValues(column: Column): CurrentColumn {
  return column.kind === 'number' || column.kind === 'timestamp' ? column.values : labels(column)
}

/**
 * The reference sketch of a Frame column, numeric or categorical by its kind.
 *
 * @example
 * ```ts
 * const sketches = Object.fromEntries(reference.names.map((n) => [n, sketchColumn(reference.column(n))]))
 * ```
 */
export function sketchColumn(column: Column, options: SketchNumericOptions = {}): ColumnSketch {
  return column.kind === 'number' || column.kind === 'timestamp' ? sketchNumeric(column.values, options) : sketchCategorical(labels(column))
}
