/**
 * @module Column profiles: per-column statistics computed in the data engine, one column per
 * query so that wide inputs never come into memory at once. A profile is plain JSON, stored with
 * each dataset snapshot; numeric profiles are the reference that drift detection compares against.
 *
 * Exactness: counts, missing counts, min, max, histogram counts and top-value counts are exact.
 * Mean and standard deviation are floating-point sums (exact up to rounding). Distinct counts of
 * numeric and temporal columns and quantiles are exact up to `exactRows` rows and estimates above
 * (HyperLogLog and t-digest; `approximate` says which). Categorical distinct counts are always exact,
 * since the top values need the full grouping anyway.
 */
import { KeelError } from '../../core/errors.js'
import type { DataEngine, EngineColumn, EngineValue } from '../../stores/data-engine.js'
import { expr, ident, join, type Sql, sql } from '../sql.js'

/** How a column is summarized: by its engine type, not by what its text could be cast to. */
export type ProfileKind = 'numeric' | 'categorical' | 'boolean' | 'temporal'

/** The quantiles every numeric profile holds, by name. */
export const QUANTILES = { p1: 0.01, p5: 0.05, p25: 0.25, p50: 0.5, p75: 0.75, p95: 0.95, p99: 0.99 } as const

export type QuantileName = keyof typeof QUANTILES

/** Quantiles by linear interpolation between order statistics (numpy's default, DuckDB's `quantile_cont`). */
export type Quantiles = Readonly<Record<QuantileName, number>>

interface ProfileBase {
  readonly name: string
  /** The engine's type name, e.g. `VARCHAR`, `BIGINT`, `DECIMAL(10,2)`. */
  readonly engineType: string
  /** Non-missing values; `count + missing` is the number of rows. */
  readonly count: number
  /** Missing (NULL) values. */
  readonly missing: number
  /** Distinct non-missing values; a HyperLogLog estimate (a few percent off, never above `count`) when `approximate`. */
  readonly distinct: number
  /** True when `distinct` and `quantiles` are estimates because the input has more than `exactRows` rows. */
  readonly approximate: boolean
}

/** Equal-width bins: `counts[i]` values lie in `[edges[i], edges[i + 1])`, the last bin closed. */
export interface Histogram {
  readonly edges: readonly number[]
  readonly counts: readonly number[]
}

export interface NumericProfile extends ProfileBase {
  readonly kind: 'numeric'
  /** NaN and ±Infinity: counted in `count`, left out of every statistic below. */
  readonly nonFinite: number
  /** Null when the column holds no finite value; 64-bit integers past ±2^53 are rounded to the nearest double. */
  readonly min: number | null
  readonly max: number | null
  readonly mean: number | null
  /** Sample standard deviation (n − 1 denominator, as pandas); null below two finite values. */
  readonly std: number | null
  readonly quantiles: Quantiles | null
  /** `bins` equal-width bins from min to max; one bin `[min, min]` when every value is the same. */
  readonly histogram: Histogram | null
}

export interface ValueCount<V> {
  readonly value: V
  readonly count: number
}

export interface CategoricalProfile extends ProfileBase {
  readonly kind: 'categorical'
  /** The most frequent values (as text), most frequent first, ties in text order. */
  readonly top: readonly ValueCount<string>[]
  /** Non-missing values that are not among `top`: `count` is the sum of the top counts plus this. */
  readonly otherCount: number
}

export interface BooleanProfile extends ProfileBase {
  readonly kind: 'boolean'
  readonly top: readonly ValueCount<boolean>[]
  readonly otherCount: number
}

export interface TemporalProfile extends ProfileBase {
  readonly kind: 'temporal'
  /** ISO-8601 text: `2024-01-31` for dates, `2024-01-31T10:30:00` for timestamps (`Z` appended for zoned ones, read in UTC). */
  readonly min: string | null
  readonly max: string | null
}

export type ColumnProfile = NumericProfile | CategoricalProfile | BooleanProfile | TemporalProfile

export interface ProfileOptions {
  /** Up to this many rows, distinct counts and quantiles are exact; above, estimated (default 200,000). */
  readonly exactRows?: number
  /** How many of the most frequent values categorical and boolean profiles keep (default 50). */
  readonly topValues?: number
  /** Histogram bins of numeric profiles (default 20). */
  readonly bins?: number
}

// exact quantiles sort every column; past this many rows a t-digest estimate is as useful as a drift reference and far cheaper
const EXACT_ROWS = 200_000
const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL\(\d+,\s*\d+\))$/
const TEMPORAL = /^(DATE|TIME|TIME WITH TIME ZONE|TIMESTAMP|TIMESTAMP_S|TIMESTAMP_MS|TIMESTAMP_NS|TIMESTAMP WITH TIME ZONE)$/
const ZONED = 'TIMESTAMP WITH TIME ZONE'

/**
 * The profile kind of an engine type; anything that is not a number, boolean, date or time
 * (text, enums, UUIDs, lists, …) is summarized as categorical, by its text.
 *
 * @example
 * ```ts
 * profileKind('DECIMAL(10,2)') // 'numeric'
 * profileKind('VARCHAR') // 'categorical'
 * ```
 */
export function profileKind(engineType: string): ProfileKind {
  if (NUMERIC.test(engineType)) return 'numeric'
  if (engineType === 'BOOLEAN') return 'boolean'
  if (TEMPORAL.test(engineType)) return 'temporal'
  return 'categorical'
}

/**
 * Profiles every column of a relation (a query), one column per statement.
 *
 * @example
 * ```ts
 * const profiles = await profileColumns(engine, sql`SELECT * FROM ${ident('clean')}`)
 * profiles[0] // { name: 'price', kind: 'numeric', count: 998, missing: 2, min: 0.5, quantiles: { p50: 12, … }, … }
 * ```
 */
export async function profileColumns(engine: DataEngine, relation: Sql, options: ProfileOptions = {}): Promise<ColumnProfile[]> {
  const columns = await describeRelation(engine, relation)
  const rows = await countRows(engine, relation)
  const profiles: ColumnProfile[] = []
  for (const column of columns) profiles.push(await profileColumn(engine, relation, column, rows, options))
  return profiles
}

/** The relation's columns; two columns of one name could not be told apart in SQL, so they stop here. */
export async function describeRelation(engine: DataEngine, relation: Sql): Promise<readonly EngineColumn[]> {
  const columns = await engine.describe(relation)
  const seen = new Set<string>()
  for (const { name } of columns) {
    if (seen.has(name))
      throw new KeelError('DATA_INVALID_NAME', `the column "${name}" appears twice in the input`, {
        hint: 'Give every column a distinct name (rename one with AS in the query).',
      })
    seen.add(name)
  }
  return columns
}

/** The relation's row count. */
export async function countRows(engine: DataEngine, relation: Sql): Promise<number> {
  const { rows } = await engine.all(sql`SELECT count(*) FROM (${relation}) AS keel_input`)
  return toNumber(rows[0]?.[0])
}

/** One column of the relation as `v`, so that the statistics below never repeat the (hostile) name. */
export function columnOf(relation: Sql, name: string): Sql {
  return sql`SELECT ${ident(name)} AS v FROM (${relation}) AS keel_input`
}

/** Profiles one column; `rows` is the relation's row count (see `countRows`). */
export async function profileColumn(
  engine: DataEngine,
  relation: Sql,
  column: EngineColumn,
  rows: number,
  options: ProfileOptions = {},
): Promise<ColumnProfile> {
  const approximate = rows > (options.exactRows ?? EXACT_ROWS)
  const input = columnOf(relation, column.name)
  switch (profileKind(column.type)) {
    case 'numeric':
      return numericProfile(engine, input, column, rows, approximate, options.bins ?? 20)
    case 'temporal':
      return temporalProfile(engine, input, column, rows, approximate)
    case 'boolean':
    case 'categorical':
      return topValues(engine, input, column, rows, options.topValues ?? 50, profileKind(column.type) as 'boolean' | 'categorical')
  }
}

function distinctOf(approximate: boolean): Sql {
  return approximate ? sql`approx_count_distinct(v)` : sql`count(DISTINCT v)`
}

async function numericProfile(engine: DataEngine, input: Sql, column: EngineColumn, rows: number, approximate: boolean, bins: number): Promise<NumericProfile> {
  const names = Object.keys(QUANTILES) as QuantileName[]
  const probabilities = expr(`[${Object.values(QUANTILES).join(', ')}]`)
  const quantile = approximate ? sql`approx_quantile(f, ${probabilities})` : sql`quantile_cont(f, ${probabilities})`
  const picks = join(names.map((_, i) => expr(`q[${i + 1}]`)))
  // f: the value as a double when finite, so NaN and infinities stay out of min, mean and quantiles
  const { rows: stats } = await engine.all(sql`
    SELECT n, d, nf, lo, hi, mean, sd, ${picks} FROM (
      SELECT count(v) AS n, ${distinctOf(approximate)} AS d, count(f) AS nf, min(f) AS lo, max(f) AS hi,
        avg(f) AS mean, stddev_samp(f) AS sd, ${quantile} AS q
      FROM (SELECT v, CASE WHEN isfinite(CAST(v AS DOUBLE)) THEN CAST(v AS DOUBLE) END AS f FROM (${input}) AS c) AS c
    ) AS s`)
  const row = stats[0] ?? []
  const count = toNumber(row[0])
  const finite = toNumber(row[2])
  const lo = toNullableNumber(row[3])
  const hi = toNullableNumber(row[4])
  let quantiles: Quantiles | null = null
  if (finite > 0) quantiles = Object.fromEntries(names.map((name, i) => [name, toNumber(row[7 + i])])) as Record<QuantileName, number>
  return {
    name: column.name,
    engineType: column.type,
    kind: 'numeric',
    count,
    missing: rows - count,
    distinct: Math.min(toNumber(row[1]), count),
    approximate,
    nonFinite: count - finite,
    min: lo,
    max: hi,
    mean: toNullableNumber(row[5]),
    std: toNullableNumber(row[6]),
    quantiles,
    histogram: lo === null || hi === null ? null : await histogram(engine, input, lo, hi, finite, bins),
  }
}

/** Edges from the exact min and max; each value's bin is the number of inner edges at or below it, so counts agree with the edges as reported. */
async function histogram(engine: DataEngine, input: Sql, lo: number, hi: number, finite: number, bins: number): Promise<Histogram> {
  if (lo === hi) return { edges: [lo, hi], counts: [finite] }
  const span = hi - lo
  const edges = Array.from({ length: bins + 1 }, (_, i) => {
    if (i === 0) return lo
    if (i === bins) return hi
    // a span past the largest double overflows; the scaled difference does not
    return Number.isFinite(span) ? lo + (span * i) / bins : lo + (hi / bins - lo / bins) * i
  })
  const steps = edges.slice(1, -1).map((e) => sql`CAST(f >= CAST(${e} AS DOUBLE) AS INTEGER)`)
  const { rows } = await engine.all(sql`
    SELECT b, count(*) FROM (
      SELECT ${join([expr('0'), ...steps], expr(' + '))} AS b
      FROM (SELECT CAST(v AS DOUBLE) AS f FROM (${input}) AS c) AS c WHERE isfinite(f)
    ) AS h GROUP BY b`)
  const counts = new Array<number>(bins).fill(0)
  for (const [b, n] of rows) counts[toNumber(b)] = toNumber(n)
  return { edges, counts }
}

async function temporalProfile(engine: DataEngine, input: Sql, column: EngineColumn, rows: number, approximate: boolean): Promise<TemporalProfile> {
  // zoned timestamps read as UTC wall time (the engine session's zone), marked with Z below
  const t = column.type === ZONED ? sql`CAST(v AS TIMESTAMP)` : sql`v`
  const { rows: stats } = await engine.all(sql`
    SELECT count(v), ${distinctOf(approximate)}, CAST(min(${t}) AS VARCHAR), CAST(max(${t}) AS VARCHAR) FROM (${input}) AS c`)
  const row = stats[0] ?? []
  const count = toNumber(row[0])
  const iso = (v: EngineValue | undefined): string | null => (typeof v === 'string' ? isoText(v, column.type === ZONED) : null)
  return {
    name: column.name,
    engineType: column.type,
    kind: 'temporal',
    count,
    missing: rows - count,
    distinct: Math.min(toNumber(row[1]), count),
    approximate,
    min: iso(row[2]),
    max: iso(row[3]),
  }
}

/** DuckDB's text for a timestamp (`2024-01-31 10:30:00`) as ISO-8601 (`2024-01-31T10:30:00`). */
export function isoText(text: string, zoned = false): string {
  const iso = text.replace(' ', 'T')
  return zoned && /^\d{4}-\d\d-\d\dT[\d:.]+$/.test(iso) ? `${iso}Z` : iso
}

/** One grouping gives the top values, the exact distinct count and the non-missing count together. */
async function topValues(
  engine: DataEngine,
  input: Sql,
  column: EngineColumn,
  rows: number,
  limit: number,
  kind: 'boolean' | 'categorical',
): Promise<BooleanProfile | CategoricalProfile> {
  const asText = kind === 'categorical'
  const value = asText ? sql`CAST(v AS VARCHAR)` : sql`v`
  const { rows: found } = await engine.all(sql`
    SELECT value, n, count(*) OVER () AS groups, CAST(sum(n) OVER () AS BIGINT) AS total FROM (
      SELECT ${value} AS value, count(*) AS n FROM (${input}) AS c WHERE v IS NOT NULL GROUP BY v
    ) AS g ORDER BY n DESC, value LIMIT ${limit}`)
  const first = found[0]
  const count = first === undefined ? 0 : toNumber(first[3])
  const top = found.map((r) => ({ value: asText ? String(r[0]) : r[0] === true, count: toNumber(r[1]) }))
  return {
    name: column.name,
    engineType: column.type,
    kind,
    count,
    missing: rows - count,
    distinct: first === undefined ? 0 : toNumber(first[2]),
    approximate: false,
    top,
    otherCount: count - top.reduce((sum, t) => sum + t.count, 0),
  } as BooleanProfile | CategoricalProfile
}

/** An engine number (a bigint past 2^53) as a JSON number; statistics are never missing where this is used. */
export function toNumber(v: EngineValue | undefined): number {
  if (typeof v === 'number') return v
  if (typeof v === 'bigint') return Number(v)
  if (typeof v === 'string') return Number(v)
  return 0
}

/** A statistic that may be undefined (no value to summarize) as a number or null; NaN never reaches the JSON. */
export function toNullableNumber(v: EngineValue | undefined): number | null {
  if (v === null || v === undefined) return null
  const n = toNumber(v)
  return Number.isFinite(n) ? n : null
}
