/** @module One drift pass over a window: column by column, so a wide or long window is never loaded whole. */
import {
  type ColumnDriftOptions,
  type ColumnDriftResult,
  type CurrentColumn,
  columnDrift,
  type DatasetDriftResult,
  datasetDrift,
  driftDefaults,
} from './drift.js'
import type { ColumnSketch } from './sketch.js'

export interface DriftPassOptions {
  /** Per-column overrides of test, threshold, minimum rows or binning. */
  readonly columns?: Readonly<Record<string, ColumnDriftOptions>>
  /** Share of drifted columns at which the dataset drifts (default ½). */
  readonly share?: number
}

export interface DriftPassResult {
  readonly columns: readonly ColumnDriftResult[]
  readonly dataset: DatasetDriftResult
}

/**
 * Compares every sketched reference column with the current window, reading one
 * column at a time through `readColumn` and letting it go before the next, then
 * applies the dataset rule. Columns run in the sketches' key order.
 *
 * @example
 * ```ts
 * const reference = JSON.parse(await readFile('reference-sketches.json', 'utf8')) // { [column]: sketchColumn(…) }
 * const read = async (name: string) => columnValues((await readFrame('window.parquet', { columns: [name] })).column(name))
 * const { dataset, columns } = await driftPass(reference, read)
 * ```
 */
export async function driftPass(
  reference: Readonly<Record<string, ColumnSketch>>,
  readColumn: (column: string) => CurrentColumn | Promise<CurrentColumn>,
  options: DriftPassOptions = {},
): Promise<DriftPassResult> {
  const columns: ColumnDriftResult[] = []
  for (const [name, sketch] of Object.entries(reference)) {
    columns.push(columnDrift(name, sketch, await readColumn(name), options.columns?.[name] ?? {}))
  }
  return { columns, dataset: datasetDrift(columns, options.share ?? driftDefaults.datasetDriftShare) }
}
