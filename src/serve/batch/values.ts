/**
 * @module How each signature input is read from an input column, in SQL: its value in the form
 * the chunk reader decodes without per-value work (DOUBLE, UTINYINT or VARCHAR), and the reason
 * the row is rejected when the value does not fit the model. The rules are the signature's
 * (`instancesToFrame`), applied to text: numbers, `true`/`false`, ISO 8601 times or epoch
 * milliseconds, categories as text; an empty cell is a missing value.
 */
import { KeelError } from '../../core/errors.js'
import type { ColumnKind } from '../../core/frame.js'
import { kindOfDuckType } from '../../data/readers/duckdb-sql.js'
import { expr, ident, literal, type Sql, sql } from '../../data/sql.js'
import type { SignatureInput } from '../signature.js'

/**
 * The SQL of one signature input, evaluated in three steps so that no step repeats another's work:
 * `base` (the cell, as text when it is text: trimmed, NULL when blank), `parse` (the value, NULL
 * when it does not parse), then `value` (never NULL, except for a missing category) and `error`
 * (NULL when the value fits).
 */
export interface ValuePlan {
  readonly input: SignatureInput
  readonly base: Sql
  readonly parse: (base: Sql) => Sql
  readonly value: (parsed: Sql) => Sql
  readonly error: (parsed: Sql, base: Sql) => Sql
}

type SourceClass = 'number' | 'text' | 'boolean' | 'timestamp'

const NAN = expr(`CAST('NaN' AS DOUBLE)`)
const NULL = expr('CAST(NULL AS VARCHAR)')

const WANTS: Record<ColumnKind, string> = {
  number: 'a finite number',
  boolean: 'true or false',
  timestamp: 'an ISO 8601 time or epoch milliseconds',
  category: 'text',
}

/**
 * The plans for every signature input, or BATCH_INPUT_INVALID naming each column that is absent
 * or whose type can never hold the model's kind (a BOOLEAN column for a number, say).
 *
 * @example
 * ```ts
 * planValues(signature.inputs, [{ name: 'temp', type: 'VARCHAR' }]) // temp parsed from text, row by row
 * ```
 */
export function planValues(inputs: readonly SignatureInput[], columns: readonly { readonly name: string; readonly type: string }[]): ValuePlan[] {
  const types = new Map(columns.map((c) => [c.name, c.type]))
  const missing = inputs.filter((i) => !types.has(i.name)).map((i) => i.name)
  if (missing.length > 0) {
    throw new KeelError(
      'BATCH_INPUT_INVALID',
      `the input has no column ${missing.map((m) => `"${m}"`).join(', ')}, which the model takes (input columns: ${columns.map((c) => c.name).join(', ') || 'none'})`,
    )
  }
  const mismatched: string[] = []
  const plans = inputs.map((input) => {
    const type = types.get(input.name) as string
    const plan = planValue(input, sourceClass(type))
    if (plan === undefined) mismatched.push(`"${input.name}" is ${type}, but the model takes ${WANTS[input.kind]}`)
    return plan
  })
  if (mismatched.length > 0) throw new KeelError('BATCH_INPUT_INVALID', `the input's column types do not fit the model: ${mismatched.join('; ')}`)
  return plans as ValuePlan[]
}

function sourceClass(type: string): SourceClass | undefined {
  const kind = kindOfDuckType(type)
  return kind === 'category' ? 'text' : kind
}

function planValue(input: SignatureInput, source: SourceClass | undefined): ValuePlan | undefined {
  const c = ident(input.name)
  if (source === undefined) return undefined
  // anything scalar reads as a category through its text, as the training data's contract types it
  if (input.kind === 'category') return { input, base: sql`NULLIF(CAST(${c} AS VARCHAR), '')`, parse: (b) => b, value: (p) => p, error: () => NULL }
  if (source === 'text') return textPlan(input, sql`NULLIF(trim(CAST(${c} AS VARCHAR)), '')`)
  if (source === 'number' && (input.kind === 'number' || input.kind === 'timestamp')) return finitePlan(input, sql`CAST(${c} AS DOUBLE)`)
  if (source === 'timestamp' && input.kind === 'timestamp') {
    const ms = (b: Sql) => sql`CAST(epoch_ms(CAST(${b} AS TIMESTAMPTZ)) AS DOUBLE)`
    return { input, base: c, parse: ms, value: (p) => sql`coalesce(${p}, ${NAN})`, error: () => NULL }
  }
  if (source === 'boolean' && input.kind === 'boolean') {
    return { input, base: c, parse: (b) => sql`CAST(${b} AS UTINYINT)`, value: (p) => sql`coalesce(${p}, 255)`, error: () => NULL }
  }
  return undefined
}

/** A typed number: NaN is missing (pandas writes missing floats so), ±Infinity is rejected. */
function finitePlan(input: SignatureInput, base: Sql): ValuePlan {
  return {
    input,
    base,
    parse: (b) => b,
    value: (p) => sql`coalesce(${p}, ${NAN})`,
    error: (p) => sql`CASE WHEN isinf(${p}) THEN ${literal(`${input.name}: must be ${WANTS[input.kind]}; got `)} || CAST(${p} AS VARCHAR) END`,
  }
}

/** Text parsed per the signature's kind; `base` is the trimmed text, NULL when blank (a missing value). */
function textPlan(input: SignatureInput, base: Sql): ValuePlan {
  const parse = (t: Sql): Sql =>
    input.kind === 'number'
      ? sql`TRY_CAST(${t} AS DOUBLE)`
      : input.kind === 'boolean'
        ? sql`CASE lower(${t}) WHEN 'true' THEN 1 WHEN 'false' THEN 0 END`
        : // digits alone are epoch milliseconds; anything else must be an ISO 8601 date or time
          sql`CASE WHEN regexp_full_match(${t}, '[+-]?[0-9]+') THEN TRY_CAST(${t} AS DOUBLE) ELSE CAST(epoch_ms(TRY_CAST(${t} AS TIMESTAMPTZ)) AS DOUBLE) END`
  const missing = input.kind === 'boolean' ? expr('255') : NAN
  const bad = (p: Sql) => (input.kind === 'boolean' ? sql`${p} IS NULL` : sql`(${p} IS NULL OR NOT isfinite(${p}))`)
  return {
    input,
    base,
    parse,
    value: (p) => sql`coalesce(${p}, ${missing})`,
    error: (p, t) =>
      sql`CASE WHEN ${t} IS NOT NULL AND ${bad(p)} THEN ${literal(`${input.name}: must be ${WANTS[input.kind]}; got "`)} || left(${t}, 40) || '"' END`,
  }
}
