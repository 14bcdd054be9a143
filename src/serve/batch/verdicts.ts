/**
 * @module The scored parts: per input row, in input order, its number, whether it was scored,
 * its hash and its prediction columns, one Parquet file per chunk in the session directory. The
 * output is then the input joined to them by position — the input's own cells never pass through
 * JavaScript, and memory holds one chunk at a time.
 */
import { join as joinPath } from 'node:path'
import type { DuckDBType } from '@duckdb/node-api'
import { ident, join, literal, sql } from '../../data/sql.js'
import type { Predictions } from '../../learn/model.js'
import type { RowBuffer } from './read.js'
import type { BatchSession } from './session.js'

const TABLE = '__keel_batch_verdicts'
/** The most rows a DuckDB data chunk holds. */
const CHUNK = 2048

/** Prediction columns as the verdict parts hold them: `v0` = the prediction, or the class index then one probability per class. */
export function verdictWidth(task: Predictions['task'], classes: readonly string[]): number {
  return task === 'regression' ? 1 : 1 + classes.length
}

export class VerdictParts {
  readonly paths: string[] = []
  readonly #types: DuckDBType[]
  /** The last part's COPY, left running while the next chunk is read and predicted. */
  #copying: Promise<void> = Promise.resolve()

  constructor(
    readonly session: BatchSession,
    readonly width: number,
  ) {
    const { BOOLEAN, DOUBLE } = session.api
    this.#types = [DOUBLE, BOOLEAN, DOUBLE, ...Array.from({ length: width }, () => DOUBLE)]
  }

  /** Writes the buffer's rows as the next part; `predicted[c]` holds column `v<c>` for the valid rows, in order. */
  async write(buffer: RowBuffer, predicted: readonly Float64Array[]): Promise<void> {
    await this.#copying
    const columns = [sql`row DOUBLE, ok BOOLEAN, hash DOUBLE`, ...predicted.map((_, c) => sql`${ident(`v${c}`)} DOUBLE`)]
    await this.session.writer.run(sql`CREATE OR REPLACE TEMP TABLE ${ident(TABLE)} (${join(columns)})`)
    const appender = await this.session.writer.appender(TABLE)
    try {
      let valid = 0
      for (let start = 0; start < buffer.count; start += CHUNK) {
        const n = Math.min(CHUNK, buffer.count - start)
        const chunk = this.session.api.DuckDBDataChunk.create(this.#types, n)
        const [rows, ok, hashes, ...values] = this.#types.map((_, c) => chunk.getColumnVector(c))
        for (let j = 0; j < n; j++) {
          const at = start + j
          rows?.setItem(j, buffer.rows[at] as number)
          hashes?.setItem(j, buffer.hashes[at] as number)
          const scored = buffer.ok[at] === 1
          ok?.setItem(j, scored)
          // NaN, not NULL, for a rejected row (the output skips it anyway): one NULL would switch the
          // client's vector to a validity mask set bit by bit with BigInt arithmetic
          for (let c = 0; c < values.length; c++) values[c]?.setItem(j, scored ? (predicted[c]?.[valid] as number) : Number.NaN)
          if (scored) valid++
        }
        for (const vector of [rows, ok, hashes, ...values]) vector?.flush()
        appender.appendDataChunk(chunk)
      }
      appender.flushSync()
    } finally {
      appender.closeSync()
    }
    const path = joinPath(this.session.directory, `part-${String(this.paths.length).padStart(6, '0')}.parquet`)
    this.paths.push(path)
    // read once, soon, from the same disk: compressing would cost more than it saves
    this.#copying = this.session.writer.run(sql`COPY ${ident(TABLE)} TO ${literal(path)} (FORMAT parquet, COMPRESSION uncompressed)`)
    // a failure surfaces at the next write or at finish; until then it is not unhandled
    this.#copying.catch(() => undefined)
  }

  /** Every part, once the last one is on disk. */
  async finish(): Promise<readonly string[]> {
    await this.#copying
    return this.paths
  }
}

/**
 * The verdict columns of a chunk's predictions: the value (regression), or the most probable
 * class's index (ties to the first class) and each class's probability.
 */
export function predictionColumns(p: Predictions): Float64Array[] {
  if (p.task === 'regression') return [p.values]
  const k = p.classes.length
  const best = new Float64Array(p.nRows)
  const probabilities = p.classes.map(() => new Float64Array(p.nRows))
  for (let i = 0; i < p.nRows; i++) {
    let arg = 0
    for (let c = 0; c < k; c++) {
      const v = p.values[i * k + c] as number
      ;(probabilities[c] as Float64Array)[i] = v
      if (v > (p.values[i * k + arg] as number)) arg = c
    }
    best[i] = arg
  }
  return [best, ...probabilities]
}
