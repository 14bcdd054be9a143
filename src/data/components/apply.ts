/** @module `applySteps`: a dataset's `clean` list run in the data engine, one relation per step. */
import { KeelError } from '../../core/errors.js'
import { Frame } from '../../core/frame.js'
import type { DataEngine, EngineColumn } from '../../stores/data-engine.js'
import { ident, isSql, sql } from '../sql.js'
import type { ComponentContext, FrameComponent, SqlComponent, Step } from './component.js'
import { frameToTable, relationToFrame } from './frame-io.js'
import { inlineValues } from './inline.js'
import { stepError, validateSteps } from './validate.js'

/** A JSON value, as lineage records hold parameters. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue }

export interface ApplyOptions {
  /** Resolves a secret (e.g. `hashPii`'s salt) by environment variable name; undefined when unset. */
  readonly secret: (name: string) => string | undefined
  /** Start of the step relations' names: `<prefix>_step_1`, … Default `keel`; use the dataset's name to keep datasets apart. */
  readonly prefix?: string
}

/** One applied step, for a snapshot's lineage. */
export interface StepRecord {
  readonly component: string
  readonly params: JsonValue
}

export interface CleanedRelation {
  /** The relation (view or table) holding the last step's output; `input` itself when there are no steps. */
  readonly relation: string
  /** Its columns and engine types. */
  readonly columns: readonly EngineColumn[]
  readonly steps: readonly StepRecord[]
}

/**
 * Validates the steps, then chains them over `input` (a table or view): each SQL step becomes
 * a view over the previous one, so DuckDB plans the whole chain at once when the result is
 * read. A frame step, or an SQL step that read a secret, is materialized as a table instead.
 *
 * @example
 * ```ts
 * const { relation, steps } = await applySteps(engine, 'orders_raw', [dedupe({ keys: ['id'] }), cast({ amount: 'float' })], {
 *   secret: (name) => process.env[name],
 *   prefix: 'orders',
 * })
 * await engine.all(sql`SELECT count(*) FROM ${ident(relation)}`) // relation === 'orders_step_2'
 * ```
 */
export async function applySteps(engine: DataEngine, input: string, steps: readonly Step[], options: ApplyOptions): Promise<CleanedRelation> {
  const valid = validateSteps(steps)
  const prefix = options.prefix ?? 'keel'
  // each step first drops its relation, which must not be the input
  const own = valid.map((_, i) => `${prefix}_step_${i + 1}`.toLowerCase())
  if (own.includes(input.toLowerCase()))
    throw new KeelError('DATASET_INVALID', `the input relation "${input}" would be replaced by a cleaning step; use another prefix than "${prefix}"`)
  let relation = input
  let columns = await engine.describe(sql`SELECT * FROM ${ident(input)}`)
  const records: StepRecord[] = []
  for (const [i, step] of valid.entries()) {
    const output = `${prefix}_step_${i + 1}`
    try {
      await dropRelation(engine, output)
      if (step.component.kind === 'sql') await runSqlStep(engine, step.component, step.params, relation, columns, output, options.secret)
      else await runFrameStep(engine, step.component, step.params, relation, columns, output)
    } catch (error) {
      throw stepFailure(i + 1, step.component.name, error)
    }
    relation = output
    columns = await engine.describe(sql`SELECT * FROM ${ident(output)}`)
    records.push({ component: step.component.name, params: toJson(step.params) })
  }
  return { relation, columns, steps: records }
}

async function runSqlStep(
  engine: DataEngine,
  component: SqlComponent<unknown>,
  params: unknown,
  input: string,
  columns: readonly EngineColumn[],
  output: string,
  secret: (name: string) => string | undefined,
): Promise<void> {
  let readSecret = false
  const context: ComponentContext = {
    columns,
    secret: (name) => {
      readSecret = true
      return secret(name)
    },
  }
  const query = component.build(params, ident(input), context)
  if (!isSql(query)) throw new KeelError('DATASET_INVALID', `${component.name}: build must return a query made with sql\`…\``)
  // DuckDB stores a view's text and refuses parameters in it, so values are written in as
  // literals; a secret must not be written anywhere, so its step stays a bound statement.
  // The line break keeps a trailing `-- comment` in the query from swallowing the parenthesis.
  if (readSecret)
    await engine.run(sql`CREATE OR REPLACE TEMP TABLE ${ident(output)} AS (${query}
)`)
  else
    await engine.run(sql`CREATE OR REPLACE TEMP VIEW ${ident(output)} AS (${inlineValues(query)}
)`)
}

async function runFrameStep(
  engine: DataEngine,
  component: FrameComponent<unknown>,
  params: unknown,
  input: string,
  columns: readonly EngineColumn[],
  output: string,
): Promise<void> {
  const frame = await relationToFrame(engine, input, columns, component.name)
  const result = await component.apply(frame, params)
  if (!(result instanceof Frame) || result.nColumns === 0)
    throw new KeelError('DATASET_INVALID', `${component.name}: apply must return a Frame with at least one column`)
  await frameToTable(engine, result, output, columns)
}

/**
 * Drops a step relation left by an earlier run in this session: CREATE OR REPLACE cannot turn
 * a view into a table or back, which a changed `clean` list may ask for.
 */
async function dropRelation(engine: DataEngine, name: string): Promise<void> {
  const { rows } = await engine.all(
    sql`SELECT 'view' FROM duckdb_views() WHERE temporary AND lower(view_name) = lower(${name})
        UNION ALL SELECT 'table' FROM duckdb_tables() WHERE temporary AND lower(table_name) = lower(${name})`,
  )
  for (const [kind] of rows) await engine.run(kind === 'view' ? sql`DROP VIEW temp.main.${ident(name)}` : sql`DROP TABLE temp.main.${ident(name)}`)
}

function stepFailure(position: number, name: string, error: unknown): KeelError {
  if (error instanceof KeelError) return stepError(position, name, error)
  // an exception from a user component's own code
  const message = error instanceof Error ? error.message : String(error)
  return new KeelError('DATASET_INVALID', `step ${position} (${name}) failed: ${message}`, {
    hint: 'The component threw this error itself; fix its code or its parameters in keel.config.ts.',
    cause: error,
  })
}

/** Parameters as plain JSON (what a user component's schema may have parsed into Dates or bigints becomes text). */
function toJson(params: unknown): JsonValue {
  const text = JSON.stringify(params ?? null, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))
  return JSON.parse(text) as JsonValue
}
