/** @module Column profiles and contract inference: what a dataset holds, and a first contract for it. */
import type { DataEngine } from '../../stores/data-engine.js'
import type { Sql } from '../sql.js'
import { type InferOptions, inferContract } from './infer.js'
import { profileColumns } from './profile.js'
import { renderContract } from './render.js'

export { type InferOptions, inferContract, widenBounds } from './infer.js'
export {
  type BooleanProfile,
  type CategoricalProfile,
  type ColumnProfile,
  type Histogram,
  type NumericProfile,
  type ProfileKind,
  type ProfileOptions,
  profileColumns,
  profileKind,
  QUANTILES,
  type QuantileName,
  type Quantiles,
  type TemporalProfile,
  type ValueCount,
} from './profile.js'
export { identifier, profileComment, renderContract } from './render.js'

/**
 * What `keel contract infer <dataset>` prints: the contract inferred from the relation, as
 * TypeScript to paste into keel.config.ts, with each column's profile as a comment. The data is
 * profiled once and the profiles reused for the inference.
 *
 * @example
 * ```ts
 * const text = await contractInferText(engine, sql`SELECT * FROM read_csv(${literal(path)}, all_varchar = true)`, 'orders')
 * process.stdout.write(text) // export const ordersContract = contract({ … })
 * ```
 */
export async function contractInferText(engine: DataEngine, relation: Sql, name: string, options: Omit<InferOptions, 'profiles'> = {}): Promise<string> {
  const profiles = await profileColumns(engine, relation, options)
  const contract = await inferContract(engine, relation, { ...options, profiles })
  return renderContract(contract, name, profiles)
}
