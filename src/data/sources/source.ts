/** @module Dataset sources: files (CSV, Parquet, JSON lines; paths or globs), SQL on DuckDB over other sources, SQL run on PostgreSQL. */

export interface CsvOptions {
  /** Field separator; detected when left out. */
  readonly delimiter?: string
  /** Whether the first line names the columns (default: detected). */
  readonly header?: boolean
  /** Strings read as missing, besides the empty field. */
  readonly nullValues?: readonly string[]
}

export type Source =
  | ({ readonly kind: 'csv'; readonly path: string } & CsvOptions)
  | { readonly kind: 'parquet'; readonly path: string }
  | { readonly kind: 'jsonl'; readonly path: string }
  | { readonly kind: 'sql'; readonly query: string; readonly from: Readonly<Record<string, Source>> }
  | { readonly kind: 'postgres'; readonly query: string; readonly url: string }

/**
 * CSV files: a path or a glob (`data/orders-*.csv`), relative to the project root. Every field
 * is read as text and typed by the contract, so one bad value fails its row, not the read.
 *
 * @example
 * ```ts
 * source: csv('data/orders-*.csv', { delimiter: ';' })
 * ```
 */
export function csv(path: string, options: CsvOptions = {}): Source {
  return { kind: 'csv', path, ...options }
}

/** Parquet files: a path or a glob. */
export function parquet(path: string): Source {
  return { kind: 'parquet', path }
}

/** Newline-delimited JSON files: a path or a glob. */
export function jsonl(path: string): Source {
  return { kind: 'jsonl', path }
}

/**
 * A DuckDB query over other sources, each available as a table under its key.
 *
 * @example
 * ```ts
 * source: sqlQuery('SELECT o.*, c.region FROM orders o JOIN customers c USING (customer_id)', {
 *   orders: csv('data/orders.csv'),
 *   customers: parquet('data/customers.parquet'),
 * })
 * ```
 */
export function sqlQuery(query: string, from: Readonly<Record<string, Source>> = {}): Source {
  return { kind: 'sql', query, from }
}

/**
 * A query run on PostgreSQL (so filters and joins happen there) whose rows are streamed back.
 * The URL usually comes from the environment: `postgresQuery('SELECT …', { url: '${WAREHOUSE_URL}' })`.
 */
export function postgresQuery(query: string, options: { readonly url: string }): Source {
  return { kind: 'postgres', query, url: options.url }
}
