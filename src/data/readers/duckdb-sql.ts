/**
 * @module The DuckDB SQL that scans a CSV or Parquet file and casts each column to a Frame kind.
 */
import { BOOLEAN_MISSING, type ColumnKind } from '../../core/frame.js'

export type FileFormat = 'csv' | 'parquet'

/** CSV dialect options passed through to `read_csv`. */
export interface CsvDialect {
  /** Field separator; detected when left out. */
  readonly delimiter?: string
  /** Whether the first line names the columns; detected when left out (otherwise columns are column0, column1, …). */
  readonly header?: boolean
  /** Strings read as missing; by default only an empty field. */
  readonly nullValues?: readonly string[]
}

/** Table names for DuckDB's rejected-row log; one DuckDB instance per read keeps them private. */
export const REJECTS_TABLE = 'keel_rejects'
const REJECTS_SCAN = 'keel_reject_scans'

function quoteString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`
}

function quoteIdent(s: string): string {
  return `"${s.replaceAll('"', '""')}"`
}

const CSV_TYPE: Record<ColumnKind, string> = { number: 'DOUBLE', category: 'VARCHAR', boolean: 'BOOLEAN', timestamp: 'TIMESTAMP' }

/**
 * The table function call for a file. CSV errors are logged rather than thrown
 * (`store_rejects`) so that the reader can report every bad line with its number
 * and then fail; strict mode without null padding keeps ragged rows bad.
 *
 * @example
 * ```ts
 * scanSql('zips.csv', 'csv', { delimiter: ';' }, { zip: 'category' })
 * // "read_csv('zips.csv', auto_detect = true, strict_mode = true, …, delim = ';', types = {'zip': 'VARCHAR'})"
 * ```
 */
export function scanSql(path: string, format: FileFormat, dialect: CsvDialect, types: Readonly<Record<string, ColumnKind>> = {}): string {
  if (format === 'parquet') return `read_parquet(${quoteString(path)})`
  const args = [
    quoteString(path),
    'auto_detect = true',
    'strict_mode = true',
    'null_padding = false',
    'store_rejects = true',
    `rejects_table = ${quoteString(REJECTS_TABLE)}`,
    `rejects_scan = ${quoteString(REJECTS_SCAN)}`,
  ]
  if (dialect.delimiter !== undefined) args.push(`delim = ${quoteString(dialect.delimiter)}`)
  if (dialect.header !== undefined) args.push(`header = ${dialect.header}`)
  if (dialect.nullValues !== undefined) args.push(`nullstr = [${dialect.nullValues.map(quoteString).join(', ')}]`)
  const typed = Object.entries(types)
  if (typed.length > 0) args.push(`types = {${typed.map(([n, k]) => `${quoteString(n)}: ${quoteString(CSV_TYPE[k])}`).join(', ')}}`)
  return `read_csv(${args.join(', ')})`
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL(\(\d+,\s*\d+\))?)$/
const TEXT = /^(VARCHAR|UUID|ENUM\(.*\))$/
const TIME = /^(DATE|TIMESTAMP(_S|_MS|_NS)?|TIMESTAMP WITH TIME ZONE)$/

/**
 * The Frame kind a DuckDB column type maps to, or undefined when Frame has no natural home for it.
 *
 * @example
 * ```ts
 * kindOfDuckType('DECIMAL(10,2)') // 'number'
 * kindOfDuckType('INTEGER[]') // undefined
 * ```
 */
export function kindOfDuckType(type: string): ColumnKind | undefined {
  if (NUMERIC.test(type)) return 'number'
  if (TEXT.test(type)) return 'category'
  if (type === 'BOOLEAN') return 'boolean'
  if (TIME.test(type)) return 'timestamp'
  return undefined
}

const NAN = "CAST('NaN' AS DOUBLE)"

/**
 * The select expression turning a source column into the vector type the reader
 * decodes per kind: DOUBLE for numbers and timestamps (epoch ms), UTINYINT for
 * booleans, VARCHAR for categories. Missing numbers and booleans are filled in
 * SQL (NaN, 255) so the vectors carry no validity mask: reading masked vectors
 * item by item is several times slower in node-api. Casting in DuckDB turns
 * BIGINT/DECIMAL into doubles in C++.
 *
 * @example
 * ```ts
 * castSql('zip', 'BIGINT', 'category') // 'CAST("zip" AS VARCHAR)'
 * ```
 */
export function castSql(name: string, sourceType: string, kind: ColumnKind): string {
  const col = quoteIdent(name)
  switch (kind) {
    case 'number':
      return `coalesce(CAST(${col} AS DOUBLE), ${NAN})`
    case 'category':
      return `CAST(${col} AS VARCHAR)`
    case 'boolean':
      return `coalesce(CAST(CAST(${col} AS BOOLEAN) AS UTINYINT), ${BOOLEAN_MISSING})`
    case 'timestamp': {
      const ts = sourceType === 'TIMESTAMP WITH TIME ZONE' ? col : `CAST(${col} AS TIMESTAMP)`
      return `coalesce(CAST(epoch_ms(${ts}) AS DOUBLE), ${NAN})`
    }
  }
}
