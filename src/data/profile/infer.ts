/**
 * @module Contract inference: a first contract proposed from the data, for the author to read,
 * tighten and paste into keel.config.ts. Each column gets the narrowest type every value casts to
 * without loss, bounds widened to readable numbers, its categories when it has few, and the
 * nullability and uniqueness seen in the data.
 */
import { KeelError } from '../../core/errors.js'
import type { DataEngine, EngineColumn, EngineValue } from '../../stores/data-engine.js'
import { type ColumnContract, type ColumnType, type Contract, ENGINE_TYPES } from '../contracts/contract.js'
import { expr, type Sql, sql } from '../sql.js'
import { type ColumnProfile, columnOf, countRows, describeRelation, isoText, type ProfileOptions, profileColumn, toNullableNumber } from './profile.js'

export interface InferOptions extends ProfileOptions {
  /** A text column is a category when it has at most this many distinct values (default 20)… */
  readonly maxCategories?: number
  /** …and they are at most this share of its non-missing values (default 0.05), i.e. values repeat. */
  readonly maxCategoryShare?: number
  /** Profiles of the same relation from `profileColumns`, to save computing them again. */
  readonly profiles?: readonly ColumnProfile[]
}

const INTEGER = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|DECIMAL\(\d+,\s*0\))$/
/** Tested after INTEGER, which takes the decimals of scale 0. */
const FLOATING = /^(FLOAT|DOUBLE|DECIMAL\(\d+,\s*\d+\))$/
const TIMESTAMP = /^(TIMESTAMP|TIMESTAMP_S|TIMESTAMP_MS|TIMESTAMP_NS|TIMESTAMP WITH TIME ZONE)$/
// a number written with a leading zero (ZIP codes, account numbers) is an identifier: casting would drop the zeros
const LEADING_ZERO = '^\\s*[+-]?0[0-9]'

/** Types worth a `unique` claim: a float or a timestamp that never repeats in a sample is usually chance, not a key. */
const KEY_TYPES: ReadonlySet<ColumnType> = new Set(['int', 'string'])

/**
 * Proposes a contract from the data in a relation (a query).
 *
 * Types: a typed column keeps its type (integers and `DECIMAL(p,0)` → int, other numbers → float,
 * BOOLEAN, DATE, TIMESTAMP); any other column is read as text and gets the first of int, float,
 * bool, date, timestamp that every non-missing value casts to without loss (`'1.5'` is not an int,
 * `'007'` is neither int nor float, a value with a time of day is not a date), else category when
 * its distinct values are few, else string. A column with no value at all is a string.
 *
 * Bounds: numbers are widened outward to a multiple of a power of ten one digit below the range
 * (see `widenBounds`); timestamps to whole days (`'2024-01-31'`); dates are exact.
 *
 * `unique` is proposed for int and string columns with no missing and no repeated value (checked
 * exactly, on the cast values), and `primaryKey` when exactly one column is so.
 *
 * @example
 * ```ts
 * const c = await inferContract(engine, sql`SELECT * FROM read_csv(${literal(path)}, all_varchar = true)`)
 * c.columns.id // { type: 'int', nullable: false, min: 0, max: 1000, unique: true }
 * ```
 */
export async function inferContract(engine: DataEngine, relation: Sql, options: InferOptions = {}): Promise<Contract> {
  const columns = await describeRelation(engine, relation)
  const rows = await countRows(engine, relation)
  const entries: [string, ColumnContract][] = []
  for (const column of columns) {
    const profile = options.profiles?.find((p) => p.name === column.name) ?? (await profileColumn(engine, relation, column, rows, options))
    if (profile.engineType !== column.type)
      throw new KeelError('INTERNAL', `the profile of "${column.name}" was computed on a ${profile.engineType} column, not ${column.type}`)
    entries.push([column.name, await inferColumn(engine, relation, column, profile, options)])
  }
  const keys = entries.filter(([, c]) => c.unique === true && KEY_TYPES.has(c.type)).map(([name]) => name)
  return {
    // fromEntries defines own properties, so a column named __proto__ stays a column
    columns: Object.fromEntries(entries),
    rows: { min: 1 },
    ...(keys.length === 1 ? { primaryKey: keys } : {}),
  }
}

interface TypeGuess {
  readonly type: ColumnType
  readonly min?: number | string
  readonly max?: number | string
  /** The cast the contract will read the column through, when it is not the column's own type: values it may merge matter to uniqueness. */
  readonly cast?: Sql
}

async function inferColumn(engine: DataEngine, relation: Sql, column: EngineColumn, profile: ColumnProfile, options: InferOptions): Promise<ColumnContract> {
  const input = columnOf(relation, column.name)
  if (profile.count === 0) return { type: 'string' }
  const guess = await guessType(engine, input, column, profile, options)
  const unique = KEY_TYPES.has(guess.type) && profile.missing === 0 && (await allDistinct(engine, input, guess, profile))
  const values = guess.type === 'category' && profile.kind === 'categorical' ? profile.top.map((t) => t.value).sort() : undefined
  return {
    type: guess.type,
    ...(profile.missing === 0 ? { nullable: false } : {}),
    ...(guess.min !== undefined ? { min: guess.min } : {}),
    ...(guess.max !== undefined ? { max: guess.max } : {}),
    ...(values !== undefined ? { values } : {}),
    ...(unique ? { unique: true } : {}),
  }
}

async function guessType(engine: DataEngine, input: Sql, column: EngineColumn, profile: ColumnProfile, options: InferOptions): Promise<TypeGuess> {
  const type = column.type
  if (type === 'BOOLEAN') return { type: 'bool' }
  if (INTEGER.test(type) && profile.kind === 'numeric') {
    // UBIGINT and HUGEINT values may not fit the contract's BIGINT
    const { rows } = await engine.all(sql`SELECT bool_and(TRY_CAST(v AS BIGINT) IS NOT NULL) FROM (${input}) AS c WHERE v IS NOT NULL`)
    const fits = rows[0]?.[0] === true
    return { type: fits ? 'int' : 'float', ...numberBounds(profile.min, profile.max, fits) }
  }
  // a source that typed its columns (Parquet, a cleaning step) chose float over int on purpose
  if (FLOATING.test(type) && profile.kind === 'numeric') return { type: 'float', ...numberBounds(profile.min, profile.max, false) }
  if (type === 'DATE' && profile.kind === 'temporal') return { type: 'date', ...dateBounds(profile.min, profile.max) }
  if (TIMESTAMP.test(type) && profile.kind === 'temporal') return { type: 'timestamp', ...dayBounds(profile.min, profile.max) }
  return guessFromText(engine, input, profile, options)
}

/** One pass over the column's text tries every cast at once; each test is never NULL, since bool_and skips NULLs. */
async function guessFromText(engine: DataEngine, input: Sql, profile: ColumnProfile, options: InferOptions): Promise<TypeGuess> {
  const { rows } = await engine.all(sql`
    SELECT
      bool_and(i IS NOT NULL AND d IS NOT NULL AND d = i AND NOT z),
      bool_and(d IS NOT NULL AND NOT z),
      bool_and(TRY_CAST(s AS BOOLEAN) IS NOT NULL),
      bool_and(TRY_CAST(s AS DATE) IS NOT NULL AND NOT contains(s, ':')),
      bool_and(ts IS NOT NULL),
      CAST(min(i) AS DOUBLE), CAST(max(i) AS DOUBLE),
      min(CASE WHEN isfinite(d) THEN d END), max(CASE WHEN isfinite(d) THEN d END),
      CAST(min(TRY_CAST(s AS DATE)) AS VARCHAR), CAST(max(TRY_CAST(s AS DATE)) AS VARCHAR),
      CAST(min(ts) AS VARCHAR), CAST(max(ts) AS VARCHAR)
    FROM (
      SELECT s, TRY_CAST(s AS BIGINT) AS i, TRY_CAST(s AS DOUBLE) AS d, TRY_CAST(s AS TIMESTAMP) AS ts, regexp_matches(s, ${LEADING_ZERO}) AS z
      FROM (SELECT CAST(v AS VARCHAR) AS s FROM (${input}) AS c) AS c WHERE s IS NOT NULL
    ) AS t`)
  const r = rows[0] ?? []
  const text = (x: EngineValue | undefined): string | null => (typeof x === 'string' ? isoText(x) : null)
  if (r[0] === true) return { type: 'int', ...numberBounds(toNullableNumber(r[5]), toNullableNumber(r[6]), true), cast: fromText('int') }
  if (r[1] === true) return { type: 'float', ...numberBounds(toNullableNumber(r[7]), toNullableNumber(r[8]), false), cast: fromText('float') }
  if (r[2] === true) return { type: 'bool', cast: fromText('bool') }
  if (r[3] === true) return { type: 'date', ...dateBounds(text(r[9]), text(r[10])), cast: fromText('date') }
  if (r[4] === true) return { type: 'timestamp', ...dayBounds(text(r[11]), text(r[12])), cast: fromText('timestamp') }
  // text kept as text: the profile's distinct count is the contract's
  if (profile.kind !== 'categorical' || profile.otherCount > 0) return { type: 'string' }
  const few = profile.distinct <= (options.maxCategories ?? 20) && profile.distinct <= (options.maxCategoryShare ?? 0.05) * profile.count
  return { type: few ? 'category' : 'string' }
}

/** The column's text cast to a contract type's engine type, as the inference read it. */
function fromText(type: ColumnType): Sql {
  return sql`CAST(CAST(v AS VARCHAR) AS ${expr(ENGINE_TYPES[type])})`
}

/**
 * Whether no value repeats. An exact profile without a cast answers alone; an estimate, or a cast
 * that may merge values (`'1'` and `'1.0'` are one int), takes one exact grouping.
 */
async function allDistinct(engine: DataEngine, input: Sql, guess: TypeGuess, profile: ColumnProfile): Promise<boolean> {
  if (!profile.approximate && guess.cast === undefined) return profile.distinct === profile.count
  // HyperLogLog is a few percent off either way: only a near-distinct estimate is worth the exact check
  if (profile.approximate ? profile.distinct < 0.9 * profile.count : profile.distinct !== profile.count) return false
  const { rows } = await engine.all(sql`
    SELECT count(*) FROM (
      SELECT k FROM (SELECT ${guess.cast ?? sql`v`} AS k FROM (${input}) AS c WHERE v IS NOT NULL) AS c GROUP BY k HAVING count(*) > 1 LIMIT 1
    ) AS dup`)
  return rows[0]?.[0] === 0
}

function numberBounds(lo: number | null, hi: number | null, integer: boolean): { min?: number; max?: number } {
  if (lo === null || hi === null) return {}
  const [min, max] = widenBounds(lo, hi, integer)
  return { min, max }
}

function dateBounds(lo: string | null, hi: string | null): { min?: string; max?: string } {
  return lo === null || hi === null ? {} : { min: lo, max: hi }
}

const DAY = /^(\d{4})-(\d\d)-(\d\d)(?:T(\d\d:\d\d:\d\d(?:\.\d+)?)Z?)?$/

/** Timestamps widened to whole days, as dates (`'2024-01-31'`, which DuckDB casts to midnight); text it cannot read (BC, infinity) stays as is. */
function dayBounds(lo: string | null, hi: string | null): { min?: string; max?: string } {
  if (lo === null || hi === null) return {}
  return { min: floorDay(lo), max: ceilDay(hi) }
}

function floorDay(iso: string): string {
  const m = DAY.exec(iso)
  return m === null ? iso : `${m[1]}-${m[2]}-${m[3]}`
}

function ceilDay(iso: string): string {
  const m = DAY.exec(iso)
  if (m === null) return iso
  const [, y, mo, d, time] = m as unknown as [string, string, string, string, string | undefined]
  if (time === undefined || /^00:00:00(\.0+)?$/.test(time)) return `${y}-${mo}-${d}`
  if (y === '9999' && mo === '12' && d === '31') return iso
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d) + 1)).toISOString().slice(0, 10)
}

/**
 * Bounds widened outward to a multiple of 10^e, where e is one less than the order of magnitude of
 * the range (of the value, when all values are equal); never below 10^0 for integers. Zero stays a
 * bound: non-negative data keeps a non-negative minimum.
 *
 * @example
 * ```ts
 * widenBounds(0.5, 99.7, false) // [0, 100]
 * widenBounds(12.34, 15.99, false) // [12.3, 16]
 * widenBounds(18, 87, true) // [18, 87]
 * ```
 */
export function widenBounds(lo: number, hi: number, integer: boolean): [number, number] {
  const span = hi - lo
  const scale = span > 0 && Number.isFinite(span) ? span : Math.max(Math.abs(lo), Math.abs(hi))
  if (scale === 0 || !Number.isFinite(scale)) return [lo, hi]
  const magnitude = Math.floor(Math.log10(scale)) - 1
  const e = integer ? Math.max(magnitude, 0) : magnitude
  return [toStep(lo, e, Math.floor, -1), toStep(hi, e, Math.ceil, 1)]
}

/** x rounded by `round` to a multiple of 10^e, moved one more step if floating-point error left it on the wrong side. */
function toStep(x: number, e: number, round: (y: number) => number, direction: -1 | 1): number {
  // past these the steps are not representable (toFixed takes at most 100 digits, k must be an exact integer)
  if (e > 300 || e < -100) return x
  const at = (k: number): number => (e >= 0 ? k * 10 ** e : Number((k / 10 ** -e).toFixed(-e)))
  let k = round(e >= 0 ? x / 10 ** e : x * 10 ** -e)
  if (!Number.isSafeInteger(k)) return x
  for (let tries = 0; tries < 4 && (direction < 0 ? at(k) > x : at(k) < x); tries++) k += direction
  // + 0 turns -0 (a ceiling of a small negative) into 0
  const bound = at(k) + 0
  return (direction < 0 ? bound <= x : bound >= x) ? bound : x
}
