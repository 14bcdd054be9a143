/** @module Data contracts: the typed schema and checks a dataset's rows must pass, and what happens to rows that fail. */

/** Column types a contract can require; each maps to one engine type (see `ENGINE_TYPES`). */
export type ColumnType = 'int' | 'float' | 'string' | 'bool' | 'category' | 'timestamp' | 'date'

export const COLUMN_TYPES: readonly ColumnType[] = ['int', 'float', 'string', 'bool', 'category', 'timestamp', 'date']

/** The DuckDB type each contract type is cast to; a value that does not cast fails the type check. */
export const ENGINE_TYPES: Readonly<Record<ColumnType, string>> = {
  int: 'BIGINT',
  float: 'DOUBLE',
  string: 'VARCHAR',
  bool: 'BOOLEAN',
  category: 'VARCHAR',
  timestamp: 'TIMESTAMP',
  date: 'DATE',
}

/** What one column must hold. */
export interface ColumnContract {
  readonly type: ColumnType
  /** Whether a missing value is allowed (default true). */
  readonly nullable?: boolean
  /** Inclusive bounds: numbers for int/float, ISO-8601 strings for timestamp/date. */
  readonly min?: number | string
  readonly max?: number | string
  /** The only values allowed (categories). */
  readonly values?: readonly (string | number | boolean)[]
  /** A regular expression the whole value must match (DuckDB's RE2 syntax). */
  readonly pattern?: string
  /** No value may appear twice (missing values excepted). */
  readonly unique?: boolean
  /** Personal data: reported as such, and a reminder to hash or drop it (see the `hashPii` component). */
  readonly pii?: boolean
}

/** What happens when rows fail: stop with nothing written, keep failing rows aside, or only report. */
export type ContractPolicy = 'fail' | 'quarantine' | 'warn'

/** A named SQL condition every row must satisfy, e.g. `price > 0 OR status = 'free'`: a row fails when it is false (null passes, as in an SQL CHECK constraint). */
export interface SqlCheck {
  readonly name: string
  readonly sql: string
}

export interface Contract {
  readonly columns: Readonly<Record<string, ColumnContract>>
  /** Bounds on the number of input rows. */
  readonly rows?: { readonly min?: number; readonly max?: number }
  /** The newest value of a timestamp column must be at most `maxAge` old ('90m', '12h', '2d', '1w'). */
  readonly freshness?: { readonly column: string; readonly maxAge: string }
  /** Columns whose values together identify a row: unique and never missing. */
  readonly primaryKey?: readonly string[]
  readonly checks?: readonly SqlCheck[]
  /** Default 'fail'. Dataset-wide checks (missing columns, row counts, freshness) stop the run under 'quarantine' too. */
  readonly policy?: ContractPolicy
}

/**
 * Declares a contract (the identity function, for type checking and editor help in keel.config.ts).
 *
 * @example
 * ```ts
 * const orders = contract({
 *   columns: { id: { type: 'int', nullable: false, unique: true }, price: { type: 'float', min: 0 } },
 *   rows: { min: 1 },
 *   policy: 'quarantine',
 * })
 * ```
 */
export function contract(c: Contract): Contract {
  return c
}
