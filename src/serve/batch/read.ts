/**
 * @module The scoring scan: one streamed query yields, per input row, each signature input's
 * value (decoded here straight from DuckDB's vectors), the reasons it is rejected, a hash that
 * ties the row to the output, and — for rejected rows only — its raw values.
 */
import type { DuckDBDataChunk } from '@duckdb/node-api'
import { BOOLEAN_MISSING, type Column, Frame } from '../../core/frame.js'
import { expr, ident, join, literal, type Sql, sql } from '../../data/sql.js'
import type { ValuePlan } from './values.js'

/** A row that failed validation: its number, the failing fields and why, and its cells as text. */
export interface RejectedRow {
  readonly row: number
  readonly field: string
  readonly reason: string
  readonly raw: readonly (string | null)[]
}

const p = (prefix: string, i: number) => ident(`__keel_${prefix}${i}`)

/**
 * The hash of a row's cells, the same for the same row in every scan of the input, as a double
 * (53 bits) so that it travels through the scored parts without conversion.
 */
export function rowHash(columns: readonly string[], qualifier?: string): Sql {
  const cells = columns.map((c) => (qualifier === undefined ? ident(c) : sql`${ident(qualifier)}.${ident(c)}`))
  return sql`CAST(hash(${join(cells)}) >> 11 AS DOUBLE)`
}

/**
 * The query the scoring loop streams, in the input's order. Columns: one value per plan, then
 * whether the row is rejected (0 or 1), the reasons (one per failing field, joined by ` | `),
 * the failing fields (joined by `;`), the row hash, and the raw cells of rejected rows. Only
 * the first columns of a valid row are read, and only a missing category among them is NULL: a
 * vector without NULLs is read without the client's per-value validity check.
 */
export function scoringQuery(scan: Sql, plans: readonly ValuePlan[], columns: readonly string[]): Sql {
  const bases = plans.map((plan, i) => sql`${plan.base} AS ${p('b', i)}`)
  const parsed = plans.map((plan, i) => sql`${plan.parse(p('b', i))} AS ${p('p', i)}`)
  const errors = plans.map((plan, i) => sql`${plan.error(p('p', i), p('b', i))} AS ${p('e', i)}`)
  const e = plans.map((_, i) => p('e', i))
  const failed = e.length === 0 ? expr('false') : sql`coalesce(${join(e)}) IS NOT NULL`
  const fields = plans.map((plan, i) => sql`CASE WHEN ${p('e', i)} IS NOT NULL THEN ${literal(plan.input.name)} END`)
  const outer = [
    ...plans.map((plan, i) => plan.value(p('p', i))),
    sql`CAST(${failed} AS UTINYINT)`,
    e.length === 0 ? expr('CAST(NULL AS VARCHAR)') : sql`NULLIF(concat_ws(' | ', ${join(e)}), '')`,
    fields.length === 0 ? expr('CAST(NULL AS VARCHAR)') : sql`NULLIF(concat_ws(';', ${join(fields)}), '')`,
    rowHash(columns),
    ...columns.map((c) => sql`CASE WHEN ${failed} THEN CAST(${ident(c)} AS VARCHAR) END`),
  ]
  const level3 = extend(extend(extend(scan, bases), parsed), errors)
  return sql`SELECT ${join(outer)} FROM ${level3}`
}

/** `from` with `columns` added (a model may take no feature at all). */
function extend(from: Sql, columns: readonly Sql[]): Sql {
  return columns.length === 0 ? from : sql`(SELECT *, ${join(columns)} FROM ${from})`
}

/**
 * Rows of the scan gathered until a chunk is full: every row's number, verdict and hash (in
 * input order), the valid rows' values as Frame columns, and the rejected rows.
 */
export class RowBuffer {
  readonly rows: Float64Array
  readonly ok: Uint8Array
  readonly hashes: Float64Array
  count = 0
  valid = 0
  rejected: RejectedRow[] = []
  readonly #columns: ColumnBuffer[]

  constructor(
    readonly plans: readonly ValuePlan[],
    readonly chunkRows: number,
  ) {
    this.rows = new Float64Array(chunkRows)
    this.ok = new Uint8Array(chunkRows)
    this.hashes = new Float64Array(chunkRows)
    this.#columns = plans.map((plan) => columnBuffer(plan.input.kind, chunkRows))
  }

  /**
   * Adds rows `from`… of a streamed chunk, as many as fit; returns how many. `rowNumber(k)`
   * numbers the k-th row the scan yields.
   */
  add(chunk: DuckDBDataChunk, from: number, firstOrdinal: number, rowNumber: (ordinal: number) => number, rawColumns: number): number {
    const n = Math.min(chunk.rowCount - from, this.chunkRows - this.count)
    const nPlans = this.plans.length
    const bad = chunk.getColumnVector(nPlans)
    const hashes = chunk.getColumnVector(nPlans + 3)
    const values = this.plans.map((_, i) => chunk.getColumnVector(i))
    for (let j = from; j < from + n; j++) {
      const at = this.count++
      const row = rowNumber(firstOrdinal + j - from)
      this.rows[at] = row
      this.hashes[at] = hashes.getItem(j) as number
      if (bad.getItem(j) === 1) {
        this.rejected.push(rejectedRow(chunk, j, row, nPlans, rawColumns))
        this.ok[at] = 0
        continue
      }
      this.ok[at] = 1
      for (let i = 0; i < nPlans; i++) (this.#columns[i] as ColumnBuffer).push(this.valid, values[i]?.getItem(j) as number | string | null)
      this.valid++
    }
    return n
  }

  get full(): boolean {
    return this.count >= this.chunkRows
  }

  /** The valid rows as a frame in the signature's order (views into the buffer: use it before `clear`). */
  frame(): Frame {
    return new Frame(new Map(this.plans.map((plan, i) => [plan.input.name, (this.#columns[i] as ColumnBuffer).column(this.valid)])))
  }

  clear(): void {
    this.count = 0
    this.valid = 0
    this.rejected = []
    for (const c of this.#columns) c.clear()
  }
}

function rejectedRow(chunk: DuckDBDataChunk, j: number, row: number, nPlans: number, rawColumns: number): RejectedRow {
  const text = (c: number) => chunk.getColumnVector(c).getItem(j) as string | null
  const raw = Array.from({ length: rawColumns }, (_, c) => text(nPlans + 4 + c))
  return { row, field: text(nPlans + 2) ?? '', reason: text(nPlans + 1) ?? '', raw }
}

interface ColumnBuffer {
  push(at: number, value: number | string | null): void
  column(n: number): Column
  clear(): void
}

function columnBuffer(kind: Column['kind'], capacity: number): ColumnBuffer {
  if (kind === 'category') return categoryBuffer(capacity)
  if (kind === 'boolean') {
    const values = new Uint8Array(capacity)
    return {
      push: (at, v) => {
        values[at] = (v as number | null) ?? BOOLEAN_MISSING
      },
      column: (n) => ({ kind, values: values.subarray(0, n) }),
      clear: () => undefined,
    }
  }
  const values = new Float64Array(capacity)
  return {
    push: (at, v) => {
      values[at] = (v as number | null) ?? Number.NaN
    },
    column: (n) => ({ kind, values: values.subarray(0, n) }),
    clear: () => undefined,
  }
}

/** Dictionary-encodes per chunk: the model maps levels to its training levels by text. */
function categoryBuffer(capacity: number): ColumnBuffer {
  const codes = new Int32Array(capacity)
  let levels: string[] = []
  let index = new Map<string, number>()
  return {
    push(at, v) {
      if (v === null) {
        codes[at] = -1
        return
      }
      let code = index.get(v as string)
      if (code === undefined) {
        code = levels.length
        levels.push(v as string)
        index.set(v as string, code)
      }
      codes[at] = code
    },
    column: (n) => ({ kind: 'category', codes: codes.subarray(0, n), levels }),
    clear() {
      levels = []
      index = new Map()
    },
  }
}
