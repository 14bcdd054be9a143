/**
 * @module One dataset through the engine: source → contract → cleaning steps → contract after
 * cleaning. Leaves the clean relation and the quarantine tables in the engine for the caller
 * (a validation report, a snapshot) to read.
 */
import type { DataEngine } from '../stores/data-engine.js'
import { applySteps, type StepRecord } from './components/apply.js'
import { type CheckedRelations, type ContractReport, checkContract } from './contracts/check.js'
import type { ColumnContract, Contract } from './contracts/contract.js'
import type { DatasetConfig } from './dataset.js'
import { inferContract } from './profile/infer.js'
import { FILE_COLUMN, type LoadedSource, type LoadOptions, loadSource, ROW_COLUMN, type SourceFingerprint } from './sources/load.js'
import { ident, join, sql } from './sql.js'

export interface PreparedDataset {
  readonly name: string
  /** The contract on the source rows (the declared one, with inferred types for undeclared columns). */
  readonly report: ContractReport
  /** The report of `contractAfterClean`, when declared. */
  readonly afterCleanReport: ContractReport | null
  /** Whether the run may go on (both reports passed). */
  readonly passed: boolean
  /** The engine relation with the final rows. */
  readonly relation: string
  /** Quarantine tables (source contract, then after cleaning), each with `__keel_reasons`. */
  readonly quarantines: readonly string[]
  readonly fingerprint: SourceFingerprint
  readonly steps: readonly StepRecord[]
  readonly contract: Contract
}

export interface PrepareOptions extends LoadOptions {
  readonly secret: (name: string) => string | undefined
  readonly now?: Date
}

/**
 * Runs dataset `name` up to its final rows. Stops after the source contract when it did not pass
 * (nothing is cleaned or written then), so the caller can report and fail.
 *
 * @example
 * ```ts
 * const prepared = await prepareDataset(engine, 'orders', datasetFrom(config.datasets, 'orders'), options)
 * if (!prepared.passed) throw contractFailure('orders', prepared.report)
 * ```
 */
export async function prepareDataset(engine: DataEngine, name: string, ds: DatasetConfig, options: PrepareOptions): Promise<PreparedDataset> {
  const prefix = `keel_${name}`
  const loaded = await loadSource(engine, `${prefix}_source`, ds.source, options)
  const contract = await withInferredTypes(engine, loaded, ds.contract)
  const now = options.now === undefined ? {} : { now: options.now }
  const checked = await checkContract(engine, loaded, contract, { prefix, ...now })
  const base = { name, report: checked.report, fingerprint: loaded.fingerprint, contract }
  if (!checked.report.passed) return { ...base, afterCleanReport: null, passed: false, relation: checked.clean, quarantines: quarantines(checked), steps: [] }
  const cleaned = await applySteps(engine, checked.clean, ds.clean ?? [], { secret: options.secret, prefix: `${prefix}_clean` })
  if (ds.contractAfterClean === undefined) {
    return { ...base, afterCleanReport: null, passed: true, relation: cleaned.relation, quarantines: quarantines(checked), steps: cleaned.steps }
  }
  const renumbered = await numberRows(engine, cleaned.relation, `${prefix}_cleaned`)
  const after = await checkContract(engine, renumbered, ds.contractAfterClean, { prefix: `${prefix}_after`, ...now })
  return {
    ...base,
    afterCleanReport: after.report,
    passed: after.report.passed,
    relation: after.clean,
    quarantines: [...quarantines(checked), ...quarantines(after)],
    steps: cleaned.steps,
  }
}

function quarantines(checked: CheckedRelations): string[] {
  return checked.quarantine === null ? [] : [checked.quarantine]
}

/**
 * Columns the contract leaves out keep the type every one of their values casts to, as
 * `keel contract infer` would propose; without a contract that types every column.
 */
async function withInferredTypes(engine: DataEngine, loaded: LoadedSource, declared: Contract | undefined): Promise<Contract> {
  const undeclared = loaded.columns.filter((c) => declared?.columns[c] === undefined)
  if (undeclared.length === 0) return declared as Contract
  const inferred = await inferContract(engine, sql`SELECT ${join(undeclared.map((c) => ident(c)))} FROM ${ident(loaded.table)}`)
  const types: Record<string, ColumnContract> = {}
  for (const c of undeclared) {
    const found = inferred.columns[c]
    if (found !== undefined) types[c] = { type: found.type }
  }
  return { ...(declared ?? {}), columns: { ...(declared?.columns ?? {}), ...types } }
}

/** A relation's rows as a fresh table numbered in order, for a second contract pass. */
async function numberRows(engine: DataEngine, relation: string, table: string): Promise<LoadedSource> {
  const columns = (await engine.describe(sql`SELECT * FROM ${ident(relation)}`)).map((c) => c.name)
  await engine.run(sql`CREATE OR REPLACE TEMP TABLE ${ident(table)} AS
    SELECT *, CAST(row_number() OVER () AS BIGINT) AS ${ident(ROW_COLUMN)}, CAST(NULL AS VARCHAR) AS ${ident(FILE_COLUMN)} FROM ${ident(relation)}`)
  const { rows } = await engine.all(sql`SELECT count(*) FROM ${ident(table)}`)
  return { table, columns, rows: Number(rows[0]?.[0] ?? 0), rejected: [], fingerprint: { kind: 'sql' } }
}
