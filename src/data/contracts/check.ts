/**
 * @module Checking loaded rows against a contract in one pass of the engine: every row gets the
 * list of checks it fails; rows with none are clean, the others go to the quarantine (or stop the
 * run), so clean + quarantined = input rows by construction.
 */
import { parseDuration } from '../../core/duration.js'
import { KeelError } from '../../core/errors.js'
import type { DataEngine, EngineValue } from '../../stores/data-engine.js'
import { FILE_COLUMN, type LoadedSource, ROW_COLUMN } from '../sources/load.js'
import { expr, ident, join, literal, type Sql, sql } from '../sql.js'
import { type ColumnContract, type Contract, type ContractPolicy, ENGINE_TYPES } from './contract.js'

export type CheckKind = 'schema' | 'type' | 'nullable' | 'min' | 'max' | 'values' | 'pattern' | 'unique' | 'primaryKey' | 'sql' | 'rows' | 'freshness' | 'parse'

/** One failing row shown in a report: where it is and the value that failed. */
export interface CheckExample {
  readonly file: string | null
  /** The row within its file (1-based, header excluded); for unparsable lines, the line number. */
  readonly row: number
  readonly value: string | null
}

export interface CheckResult {
  /** e.g. `price: min 0`, `rows: min 1`, `check positive_total`. */
  readonly name: string
  readonly kind: CheckKind
  readonly column?: string
  readonly passed: boolean
  /** Rows failing it (dataset-wide checks: 1 when failed). */
  readonly failing: number
  readonly examples: readonly CheckExample[]
  /** What was found, for dataset-wide checks (e.g. `0 rows`, `newest 2024-01-01T00:00:00Z`). */
  readonly detail?: string
}

export interface ContractReport {
  readonly policy: ContractPolicy
  /** False when the run must stop: any failure under `fail`, a dataset-wide failure under `quarantine`. */
  readonly passed: boolean
  readonly rows: { readonly input: number; readonly clean: number; readonly quarantined: number }
  readonly checks: readonly CheckResult[]
  /** Columns the contract marks as personal data. */
  readonly pii: readonly string[]
}

export interface CheckedRelations {
  readonly report: ContractReport
  /** A view of the rows that go on, with contract columns typed. */
  readonly clean: string
  /** A table of quarantined rows (text values, `__keel_file`, `__keel_row`, `__keel_reasons`), or null when none. */
  readonly quarantine: string | null
}

export interface CheckOptions {
  /** Name prefix for the engine objects this creates. */
  readonly prefix: string
  /** "Now" for freshness checks. */
  readonly now?: Date
}

const EXAMPLES = 5
const REASONS = '__keel_reasons'
const FAILED = '__keel_failed'

interface RowCheck {
  readonly name: string
  readonly kind: CheckKind
  readonly column?: string
  /** True when the row fails. */
  readonly fails: Sql
  /** The value shown in examples. */
  readonly value: Sql
}

/**
 * Checks `loaded` against `contract`, creating the clean view and the quarantine table.
 *
 * @example
 * ```ts
 * const { report, clean } = await checkContract(engine, loaded, orders, { prefix: 'orders' })
 * if (!report.passed) throw contractFailure('orders', report)
 * ```
 */
export async function checkContract(engine: DataEngine, loaded: LoadedSource, contract: Contract, options: CheckOptions): Promise<CheckedRelations> {
  const policy = contract.policy ?? 'fail'
  const present = new Set(loaded.columns)
  const missing = Object.keys(contract.columns).filter((c) => !present.has(c))
  const datasetChecks: CheckResult[] = missing.map((column) => ({
    name: `${column}: present`,
    kind: 'schema',
    column,
    passed: false,
    failing: 1,
    examples: [],
    detail: `column "${column}" is not in the source (columns: ${loaded.columns.join(', ')})`,
  }))
  const columns = Object.entries(contract.columns).filter(([c]) => present.has(c))
  const raw = (i: number) => ident(`__keel_raw_${i}`)
  const typedSelect = loaded.columns.map((name) => {
    const at = columns.findIndex(([c]) => c === name)
    if (at < 0) return ident(name)
    const spec = (columns[at] as [string, ColumnContract])[1]
    return sql`${typedValue(ident(name), spec)} AS ${ident(name)}`
  })
  const rawSelect = columns.map(([name], i) => sql`CAST(${ident(name)} AS VARCHAR) AS ${raw(i)}`)
  // custom checks and a primary key may name the missing columns: with the schema already failed they are not run
  const runnable = missing.length > 0 ? { ...contract, checks: [], primaryKey: [] } : contract
  const checks = rowChecks(columns, runnable, raw)
  const order = sql`${ident(FILE_COLUMN)}, ${ident(ROW_COLUMN)}`
  const windows = uniquenessWindows(columns, runnable, order)
  const flags = checks.map((c, i) => sql`CASE WHEN ${c.fails} THEN ${expr(String(i + 1))} END`)
  const checked = `${options.prefix}_checked`
  await engine
    .run(
      sql`CREATE OR REPLACE TEMP TABLE ${ident(checked)} AS
    SELECT *, ${flags.length === 0 ? expr('CAST([] AS INTEGER[])') : sql`list_filter([${join(flags)}], x -> x IS NOT NULL)`} AS ${ident(FAILED)}
    FROM (
      SELECT *${windows.length > 0 ? sql`, ${join(windows)}` : expr('')} FROM (
        SELECT ${join([...typedSelect, ...rawSelect, ident(ROW_COLUMN), ident(FILE_COLUMN)])} FROM ${ident(loaded.table)}
      )
    )`,
      'checking',
    )
    .catch((error: unknown) => {
      throw checkSqlError(error, contract)
    })

  const results = await rowResults(engine, checked, checks, order)
  datasetChecks.push(...(await datasetResults(engine, checked, loaded, contract, options.now ?? new Date())))
  if (loaded.rejected.length > 0) {
    datasetChecks.push({
      name: 'rows: parse',
      kind: 'parse',
      passed: false,
      failing: loaded.rejected.length,
      examples: loaded.rejected.slice(0, EXAMPLES).map((r) => ({ file: r.file, row: r.line, value: `${r.error} | ${r.text}` })),
      detail: `${loaded.rejected.length} line(s) could not be parsed into the columns`,
    })
  }
  const rowFailures = results.some((r) => !r.passed) || loaded.rejected.length > 0
  const datasetFailures = datasetChecks.some((r) => !r.passed && r.kind !== 'parse')
  const passed = policy === 'warn' ? true : policy === 'quarantine' ? !datasetFailures : !rowFailures && !datasetFailures

  const keep = columnsOut(loaded.columns)
  const clean = `${options.prefix}_clean`
  const where = policy === 'warn' ? expr('') : sql`WHERE len(${ident(FAILED)}) = 0`
  await engine.run(sql`CREATE OR REPLACE TEMP VIEW ${ident(clean)} AS SELECT ${keep} FROM ${ident(checked)} ${where}`)

  const rawOf = new Map(columns.map(([name], i) => [name, raw(i)]))
  const quarantine = await writeQuarantine(engine, options.prefix, checked, loaded, checks, policy, rawOf)
  const counts = await engine.all(sql`SELECT
      (SELECT count(*) FROM ${ident(clean)}),
      ${quarantine ? sql`(SELECT count(*) FROM ${ident(quarantine)})` : expr('0')}`)
  const [cleanRows, quarantined] = (counts.rows[0] ?? [0, 0]).map(Number) as [number, number]
  return {
    report: {
      policy,
      passed,
      rows: { input: loaded.rows + loaded.rejected.length, clean: cleanRows, quarantined },
      checks: [...datasetChecks.filter((c) => c.kind === 'schema'), ...results, ...datasetChecks.filter((c) => c.kind !== 'schema')],
      pii: Object.entries(contract.columns)
        .filter(([, c]) => c.pii === true)
        .map(([name]) => name),
    },
    clean,
    quarantine,
  }
}

/**
 * The contract-typed value, missing when the value does not convert exactly. Plain TRY_CAST
 * is not enough: DuckDB rounds '1.5' to the int 2, and drops the offset of
 * '2024-01-02 10:30:00+02' when casting to TIMESTAMP (the session runs in UTC, so going
 * through TIMESTAMPTZ converts the offset instead).
 */
function typedValue(value: Sql, spec: ColumnContract): Sql {
  if (spec.type === 'int') {
    return sql`CASE WHEN TRY_CAST(${value} AS DOUBLE) = TRY_CAST(${value} AS BIGINT) THEN TRY_CAST(${value} AS BIGINT) END`
  }
  if (spec.type === 'timestamp') return sql`CAST(TRY_CAST(${value} AS TIMESTAMPTZ) AS TIMESTAMP)`
  return sql`TRY_CAST(${value} AS ${expr(ENGINE_TYPES[spec.type])})`
}

function columnsOut(columns: readonly string[]): Sql {
  return join(columns.map((c) => ident(c)))
}

function rowChecks(columns: readonly [string, ColumnContract][], contract: Contract, raw: (i: number) => Sql): RowCheck[] {
  const checks: RowCheck[] = []
  columns.forEach(([name, spec], i) => {
    const typed = ident(name)
    const value = raw(i)
    const type = expr(ENGINE_TYPES[spec.type])
    checks.push({ name: `${name}: ${spec.type}`, kind: 'type', column: name, fails: sql`${value} IS NOT NULL AND ${typed} IS NULL`, value })
    if (spec.nullable === false) checks.push({ name: `${name}: not null`, kind: 'nullable', column: name, fails: sql`${value} IS NULL`, value })
    const bound = (v: number | string) => (typeof v === 'number' ? sql`CAST(${v} AS ${type})` : sql`TRY_CAST(${v} AS ${type})`)
    if (spec.min !== undefined) checks.push({ name: `${name}: min ${spec.min}`, kind: 'min', column: name, fails: sql`${typed} < ${bound(spec.min)}`, value })
    if (spec.max !== undefined) checks.push({ name: `${name}: max ${spec.max}`, kind: 'max', column: name, fails: sql`${typed} > ${bound(spec.max)}`, value })
    if (spec.values !== undefined) {
      const allowed = spec.values.map((v) => sql`TRY_CAST(${typeof v === 'boolean' ? String(v) : v} AS ${type})`)
      const list = allowed.length === 0 ? expr('NULL') : join(allowed)
      checks.push({
        name: `${name}: one of ${spec.values.length} values`,
        kind: 'values',
        column: name,
        fails: sql`${typed} IS NOT NULL AND ${typed} NOT IN (${list})`,
        value,
      })
    }
    if (spec.pattern !== undefined) {
      checks.push({
        name: `${name}: pattern ${spec.pattern}`,
        kind: 'pattern',
        column: name,
        fails: sql`${typed} IS NOT NULL AND NOT regexp_full_match(CAST(${typed} AS VARCHAR), ${spec.pattern})`,
        value,
      })
    }
    if (spec.unique === true) checks.push({ name: `${name}: unique`, kind: 'unique', column: name, fails: sql`${ident(`__keel_dup_${i}`)} > 1`, value })
  })
  const key = contract.primaryKey ?? []
  if (key.length > 0) {
    const shown = sql`concat_ws(', ', ${join(key.map((k) => sql`CAST(${ident(k)} AS VARCHAR)`))})`
    const anyMissing = join(
      key.map((k) => sql`${ident(k)} IS NULL`),
      expr(' OR '),
    )
    checks.push({ name: `primary key (${key.join(', ')})`, kind: 'primaryKey', fails: sql`(${anyMissing}) OR ${ident('__keel_dup_pk')} > 1`, value: shown })
  }
  for (const check of contract.checks ?? []) {
    checks.push({ name: `check ${check.name}`, kind: 'sql', fails: sql`(${expr(check.sql)}) IS FALSE`, value: expr('NULL') })
  }
  return checks
}

/** Row numbers within each value (and the primary key): a row after the first is a duplicate. */
function uniquenessWindows(columns: readonly [string, ColumnContract][], contract: Contract, order: Sql): Sql[] {
  const windows: Sql[] = []
  columns.forEach(([name, spec], i) => {
    if (spec.unique !== true) return
    windows.push(
      sql`CASE WHEN ${ident(name)} IS NULL THEN 0 ELSE row_number() OVER (PARTITION BY ${ident(name)} ORDER BY ${order}) END AS ${ident(`__keel_dup_${i}`)}`,
    )
  })
  const key = contract.primaryKey ?? []
  if (key.length > 0) {
    windows.push(sql`row_number() OVER (PARTITION BY ${join(key.map((k) => ident(k)))} ORDER BY ${order}) AS ${ident('__keel_dup_pk')}`)
  }
  return windows
}

async function rowResults(engine: DataEngine, checked: string, checks: readonly RowCheck[], order: Sql): Promise<CheckResult[]> {
  if (checks.length === 0) return []
  const counts = await engine.all(sql`SELECT f, count(*) FROM (SELECT unnest(${ident(FAILED)}) AS f FROM ${ident(checked)}) GROUP BY f`)
  const failing = new Map(counts.rows.map((r) => [Number(r[0]), Number(r[1])]))
  const shown = sql`CASE f ${join(
    checks.map((c, i) => sql`WHEN ${expr(String(i + 1))} THEN CAST(${c.value} AS VARCHAR)`),
    expr(' '),
  )} END`
  const examples = await engine.all(sql`SELECT f, ${ident(FILE_COLUMN)}, ${ident(ROW_COLUMN)}, ${shown}
    FROM (SELECT unnest(${ident(FAILED)}) AS f, * FROM ${ident(checked)})
    QUALIFY row_number() OVER (PARTITION BY f ORDER BY ${order}) <= ${EXAMPLES}
    ORDER BY f, ${order}`)
  const byCheck = new Map<number, CheckExample[]>()
  for (const r of examples.rows) {
    const list = byCheck.get(Number(r[0])) ?? []
    list.push({ file: r[1] === null ? null : String(r[1]), row: Number(r[2]), value: r[3] === null ? null : String(r[3]) })
    byCheck.set(Number(r[0]), list)
  }
  return checks.map((c, i) => {
    const n = failing.get(i + 1) ?? 0
    return {
      name: c.name,
      kind: c.kind,
      ...(c.column === undefined ? {} : { column: c.column }),
      passed: n === 0,
      failing: n,
      examples: byCheck.get(i + 1) ?? [],
    }
  })
}

async function datasetResults(engine: DataEngine, checked: string, loaded: LoadedSource, contract: Contract, now: Date): Promise<CheckResult[]> {
  const results: CheckResult[] = []
  const input = loaded.rows + loaded.rejected.length
  const { rows: bounds } = contract
  if (bounds?.min !== undefined) {
    results.push({
      name: `rows: min ${bounds.min}`,
      kind: 'rows',
      passed: input >= bounds.min,
      failing: input >= bounds.min ? 0 : 1,
      examples: [],
      detail: `${input} rows`,
    })
  }
  if (bounds?.max !== undefined) {
    results.push({
      name: `rows: max ${bounds.max}`,
      kind: 'rows',
      passed: input <= bounds.max,
      failing: input <= bounds.max ? 0 : 1,
      examples: [],
      detail: `${input} rows`,
    })
  }
  const freshness = contract.freshness
  if (freshness !== undefined) {
    const maxAgeMs = parseAge(freshness.maxAge)
    const name = `${freshness.column}: fresh within ${freshness.maxAge}`
    if (!loaded.columns.includes(freshness.column)) {
      results.push({
        name,
        kind: 'freshness',
        column: freshness.column,
        passed: false,
        failing: 1,
        examples: [],
        detail: `column "${freshness.column}" is not in the source`,
      })
    } else {
      const { rows } = await engine.all(sql`SELECT CAST(max(TRY_CAST(${ident(freshness.column)} AS TIMESTAMP)) AS VARCHAR) FROM ${ident(checked)}`)
      const newest = rows[0]?.[0] as EngineValue
      const newestMs = newest === null || newest === undefined ? Number.NaN : Date.parse(`${String(newest).replace(' ', 'T')}Z`)
      const passed = Number.isFinite(newestMs) && now.getTime() - newestMs <= maxAgeMs
      results.push({
        name,
        kind: 'freshness',
        column: freshness.column,
        passed,
        failing: passed ? 0 : 1,
        examples: [],
        detail: Number.isFinite(newestMs) ? `newest ${new Date(newestMs).toISOString()}` : 'no timestamp values',
      })
    }
  }
  return results
}

async function writeQuarantine(
  engine: DataEngine,
  prefix: string,
  checked: string,
  loaded: LoadedSource,
  checks: readonly RowCheck[],
  policy: ContractPolicy,
  rawOf: ReadonlyMap<string, Sql>,
): Promise<string | null> {
  const table = `${prefix}_quarantine`
  const labels = checks.length === 0 ? expr('CAST([] AS VARCHAR[])') : sql`[${join(checks.map((c) => literal(c.name)))}]`
  // quarantined rows keep the values as they came in, not as they were cast
  const text = loaded.columns.map((c) => sql`${rawOf.get(c) ?? sql`CAST(${ident(c)} AS VARCHAR)`} AS ${ident(c)}`)
  // under `warn` failing rows go on, so only unparsable lines (which have no columns to go on with) are kept aside
  const failingRows =
    policy === 'warn'
      ? sql`SELECT ${join(text)}, ${ident(FILE_COLUMN)}, ${ident(ROW_COLUMN)}, CAST(NULL AS VARCHAR) AS ${ident(REASONS)} FROM ${ident(checked)} WHERE false`
      : sql`SELECT ${join(text)}, ${ident(FILE_COLUMN)}, ${ident(ROW_COLUMN)},
          array_to_string(list_transform(${ident(FAILED)}, f -> ${labels}[f]), '; ') AS ${ident(REASONS)}
        FROM ${ident(checked)} WHERE len(${ident(FAILED)}) > 0`
  await engine.run(sql`CREATE OR REPLACE TEMP TABLE ${ident(table)} AS ${failingRows}`)
  for (const r of loaded.rejected) {
    const nulls = loaded.columns.map(() => expr('NULL'))
    await engine.run(
      sql`INSERT INTO ${ident(table)} VALUES (${join([...nulls, sql`${r.file}`, sql`${r.line}`, sql`${`unparsable line ${r.line}: ${r.error} | ${r.text}`}`])})`,
    )
  }
  const { rows } = await engine.all(sql`SELECT count(*) FROM ${ident(table)}`)
  if (Number(rows[0]?.[0] ?? 0) > 0) return table
  await engine.run(sql`DROP TABLE ${ident(table)}`)
  return null
}

/** '90m', '12h', '2d', '1w' in milliseconds (DATASET_INVALID otherwise). */
export function parseAge(text: string): number {
  const ms = parseDuration(text)
  if (ms === undefined) throw new KeelError('DATASET_INVALID', `freshness maxAge "${text}" is not a duration like 90m, 12h, 2d or 1w`)
  return ms
}

function checkSqlError(error: unknown, contract: Contract): unknown {
  if (!(error instanceof KeelError) || (contract.checks ?? []).length === 0) return error
  return new KeelError('DATASET_INVALID', `a contract check could not run: ${error.message}`, {
    hint: `Check the SQL of the contract's custom checks (${(contract.checks ?? []).map((c) => c.name).join(', ')}): they see the contract's column names and types.`,
    cause: error,
  })
}

/** What failed in a check: the finding for dataset-wide checks, the row count for row checks. */
export function failureSummary(c: CheckResult, count: (n: number) => string = String): string {
  return c.kind === 'rows' || c.kind === 'freshness' || c.kind === 'schema' ? (c.detail ?? 'failed') : `${count(c.failing)} rows`
}

/** The CONTRACT_FAILED error for a report that did not pass, naming the failed checks. */
export function contractFailure(dataset: string, report: ContractReport): KeelError {
  const failed = report.checks.filter((c) => !c.passed)
  const first = failed.slice(0, 3).map((c) => `${c.name} (${failureSummary(c)})`)
  return new KeelError(
    'CONTRACT_FAILED',
    `dataset "${dataset}" failed ${failed.length} contract check(s): ${first.join('; ')}${failed.length > 3 ? '; …' : ''}`,
  )
}
