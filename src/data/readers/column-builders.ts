/**
 * @module Accumulates DuckDB result vectors, chunk by chunk, into Frame columns.
 */
import type { DuckDBVector } from '@duckdb/node-api'
import type { Column, ColumnKind } from '../../core/frame.js'

/** Takes one vector per result chunk; `finish` returns the whole column. */
export interface ColumnBuilder {
  push(vector: DuckDBVector, rowCount: number): void
  finish(nRows: number): Column
}

/**
 * A builder for a column selected with `castSql` (DOUBLE, UTINYINT or VARCHAR).
 *
 * @example
 * ```ts
 * const builder = columnBuilder('category')
 * for (const chunk of chunks) builder.push(chunk.getColumnVector(0), chunk.rowCount)
 * builder.finish(nRows) // { kind: 'category', codes: Int32Array […], levels: ['a', 'b'] }
 * ```
 */
export function columnBuilder(kind: ColumnKind): ColumnBuilder {
  switch (kind) {
    case 'category':
      return categoryBuilder()
    case 'boolean':
      return booleanBuilder()
    default:
      return doubleBuilder(kind)
  }
}

// Chunks are kept and copied once at the end (a doubling buffer would peak at three
// times the column), then dropped, so finished columns' chunks can be collected while
// later columns are still being copied.
function concat<T extends Float64Array | Int32Array | Uint8Array>(parts: T[], out: T): T {
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  parts.length = 0
  return out
}

// Missing values were already filled in SQL, so every item is a number here.
function readNumbers<T extends Float64Array | Uint8Array>(vector: DuckDBVector, out: T): T {
  for (let i = 0; i < out.length; i++) out[i] = vector.getItem(i) as number
  return out
}

function doubleBuilder(kind: 'number' | 'timestamp'): ColumnBuilder {
  const parts: Float64Array[] = []
  return {
    push: (vector, rowCount) => parts.push(readNumbers(vector, new Float64Array(rowCount))),
    finish: (nRows) => ({ kind, values: concat(parts, new Float64Array(nRows)) }),
  }
}

function booleanBuilder(): ColumnBuilder {
  const parts: Uint8Array[] = []
  return {
    push: (vector, rowCount) => parts.push(readNumbers(vector, new Uint8Array(rowCount))),
    finish: (nRows) => ({ kind: 'boolean', values: concat(parts, new Uint8Array(nRows)) }),
  }
}

/** Dictionary-encodes while scanning; levels are in order of first appearance. */
function categoryBuilder(): ColumnBuilder {
  const parts: Int32Array[] = []
  const levels: string[] = []
  const index = new Map<string, number>()
  const encode = (v: string): number => {
    let code = index.get(v)
    if (code === undefined) {
      code = levels.length
      levels.push(v)
      index.set(v, code)
    }
    return code
  }
  return {
    push(vector, rowCount) {
      const part = new Int32Array(rowCount)
      for (let i = 0; i < rowCount; i++) {
        const v = vector.getItem(i) as string | null
        part[i] = v === null ? -1 : encode(v)
      }
      parts.push(part)
    },
    finish: (nRows) => ({ kind: 'category', codes: concat(parts, new Int32Array(nRows)), levels }),
  }
}
