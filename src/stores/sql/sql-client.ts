/**
 * @module The narrow SQL client the SQL-backed stores are written against;
 * each backend folder adapts its driver to it.
 */

/** A bound parameter. Booleans are stored as 0/1 on every backend. */
export type SqlValue = string | number | null

export type SqlRow = Record<string, unknown>

export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres'
  /** Column types that differ between the engines. */
  readonly types: { readonly bigint: string; readonly double: string; readonly serialKey: string }
}

/**
 * Statements use `?` placeholders on every backend; the PostgreSQL client
 * rewrites them to `$n`.
 */
export interface SqlClient {
  readonly dialect: SqlDialect
  all<T extends SqlRow = SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<T[]>
  /** Runs a statement and returns the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>
  /** Runs `fn` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>
  close(): Promise<void>
}
