/** @module Datasets declared in keel.config.ts: a source, a contract, cleaning steps, and a contract for the cleaned rows. */
import { KeelError } from '../core/errors.js'
import type { Step } from './components/component.js'
import { COLUMN_TYPES, type Contract } from './contracts/contract.js'
import type { Source } from './sources/source.js'

export interface DatasetConfig {
  readonly source: Source
  /** Checked on the rows as they come from the source; without one, column types are inferred. */
  readonly contract?: Contract
  /** Cleaning steps, in order (built-in components such as `dedupe(…)`, or your own). */
  readonly clean?: readonly Step[]
  /** Checked on the cleaned rows. */
  readonly contractAfterClean?: Contract
  readonly description?: string
  readonly owner?: string
}

/**
 * Declares a dataset (identity at run time; it gives editors the shape).
 *
 * @example
 * ```ts
 * datasets: {
 *   orders: dataset({
 *     source: csv('data/orders-*.csv'),
 *     contract: contract({ columns: { id: { type: 'int', unique: true } }, policy: 'quarantine' }),
 *     clean: [dedupe({ keys: ['id'] }), fillMissing({ price: 'median' })],
 *   }),
 * }
 * ```
 */
export function dataset(config: DatasetConfig): DatasetConfig {
  return config
}

const SOURCE_KINDS = ['csv', 'parquet', 'jsonl', 'sql', 'postgres']
const POLICIES = ['fail', 'quarantine', 'warn']

/** The dataset named `name` in the config's declarations, its shape checked (DATASET_UNKNOWN, DATASET_INVALID). */
export function datasetFrom(declared: Readonly<Record<string, unknown>>, name: string): DatasetConfig {
  const raw = declared[name]
  if (raw === undefined) {
    const known = Object.keys(declared)
    throw new KeelError('DATASET_UNKNOWN', `no dataset "${name}" in keel.config.ts (declared: ${known.length > 0 ? known.join(', ') : 'none'})`)
  }
  const ds = raw as DatasetConfig
  const fail = (what: string) => new KeelError('DATASET_INVALID', `dataset "${name}": ${what}`)
  checkSource(ds.source, 'source', fail)
  for (const [key, c] of [
    ['contract', ds.contract],
    ['contractAfterClean', ds.contractAfterClean],
  ] as const) {
    if (c === undefined) continue
    if (typeof c !== 'object' || c === null || typeof c.columns !== 'object' || c.columns === null)
      throw fail(`\`${key}.columns\` must be an object of column contracts`)
    for (const [column, spec] of Object.entries(c.columns)) {
      if (!COLUMN_TYPES.includes(spec?.type))
        throw fail(`\`${key}.columns.${column}.type\` must be one of ${COLUMN_TYPES.join(', ')}; got ${JSON.stringify(spec?.type)}`)
    }
    if (c.policy !== undefined && !POLICIES.includes(c.policy))
      throw fail(`\`${key}.policy\` must be one of ${POLICIES.join(', ')}; got ${JSON.stringify(c.policy)}`)
  }
  if (ds.clean !== undefined) {
    if (!Array.isArray(ds.clean)) throw fail('`clean` must be a list of steps such as [dedupe({ keys: ["id"] })]')
    ds.clean.forEach((step, i) => {
      if (typeof step !== 'object' || step === null || typeof step.component?.name !== 'string') {
        throw fail(`\`clean[${i}]\` is not a cleaning step: call a component, e.g. dedupe({ keys: ['id'] })`)
      }
    })
  }
  return ds
}

function checkSource(source: unknown, at: string, fail: (what: string) => KeelError): void {
  const s = source as Source | undefined
  if (typeof s !== 'object' || s === null || !SOURCE_KINDS.includes(s.kind)) {
    throw fail(`\`${at}\` must be a source: csv(path), parquet(path), jsonl(path), sqlQuery(sql, from) or postgresQuery(sql, { url })`)
  }
  if ((s.kind === 'csv' || s.kind === 'parquet' || s.kind === 'jsonl') && (typeof s.path !== 'string' || s.path.length === 0)) {
    throw fail(`\`${at}.path\` must be a file path or glob`)
  }
  if ((s.kind === 'sql' || s.kind === 'postgres') && (typeof s.query !== 'string' || s.query.trim().length === 0))
    throw fail(`\`${at}.query\` must be SQL text`)
  if (s.kind === 'postgres' && (typeof s.url !== 'string' || s.url.length === 0))
    throw fail(`\`${at}.url\` must be a PostgreSQL URL (e.g. '\${WAREHOUSE_URL}')`)
  if (s.kind === 'sql') for (const [name, inner] of Object.entries(s.from ?? {})) checkSource(inner, `${at}.from.${name}`, fail)
}
