/**
 * @module Changing what answers, through the registry: `keel deploy --canary` points
 * `challenger` at a version and splits traffic, `--promote` makes the challenger champion,
 * `keel rollback` moves champion back. Running servers pick the change up on their next poll.
 */
import { KeelError } from '../core/errors.js'
import type { Registry } from '../registry/registry.js'
import type { Actor, ModelVersion } from '../stores/metadata-store.js'

export interface RoutingState {
  readonly model: string
  readonly champion: number | null
  readonly challenger: number | null
  /** The override in force (null: the config's split). */
  readonly traffic: Readonly<Record<string, number>> | null
  /** When the override was set (epoch ms; null without one): a canary's start. */
  readonly since: number | null
}

export async function routingState(registry: Registry, model: string): Promise<RoutingState> {
  const [champion, challenger, routing] = await Promise.all([
    registry.metadata.resolveAlias(model, 'champion'),
    registry.metadata.resolveAlias(model, 'challenger'),
    registry.metadata.getRouting(model),
  ])
  return { model, champion: champion ?? null, challenger: challenger ?? null, traffic: routing?.traffic ?? null, since: routing?.updatedAt ?? null }
}

/**
 * Sends `percent` of traffic to `version` (default: the newest version that is not champion,
 * rejected or archived) as `challenger`, the rest to `champion`.
 *
 * @example
 * ```ts
 * await canary(project.registry, 'churn', 10, { actor: 'ann', at: Date.now(), reason: 'v4 on 10%' })
 * ```
 */
export async function canary(registry: Registry, model: string, percent: number, by: Actor, version?: number): Promise<RoutingState> {
  if (!(percent > 0 && percent < 100)) throw new KeelError('CLI_USAGE', `--canary takes a share between 0 and 100 (exclusive); got ${percent}`)
  const champion = await registry.metadata.resolveAlias(model, 'champion')
  if (champion === undefined) {
    throw new KeelError('MODEL_NOT_FOUND', `model ${model} has no champion to share traffic with`, {
      hint: `Make one first: keel models approve ${model}@<v> --reason "…" then keel models alias ${model} champion <v>`,
    })
  }
  const target = version ?? (await newestCandidate(registry, model, champion))?.version
  if (target === undefined) throw new KeelError('MODEL_NOT_FOUND', `model ${model} has no version besides the champion to canary`)
  if (target === champion) throw new KeelError('CLI_USAGE', `${model}@${target} is already the champion`)
  await registry.setAlias(model, 'challenger', target, by)
  await registry.metadata.setRouting(model, { champion: 100 - percent, challenger: percent }, by)
  return routingState(registry, model)
}

/** Makes the challenger champion (it must be approved) and ends the canary split. */
export async function promote(registry: Registry, model: string, by: Actor): Promise<RoutingState> {
  const challenger = await registry.metadata.resolveAlias(model, 'challenger')
  if (challenger === undefined)
    throw new KeelError('MODEL_NOT_FOUND', `model ${model} has no challenger to promote`, { hint: `Start a canary first: keel deploy ${model} --canary 10` })
  await registry.setAlias(model, 'champion', challenger, by)
  await registry.metadata.setRouting(model, null, by)
  // the canary is over: the promoted version is champion, not also challenger
  await registry.removeAlias(model, 'challenger', by)
  return routingState(registry, model)
}

/** Ends a canary: the split goes back to the config's and the challenger alias is removed. */
export async function endCanary(registry: Registry, model: string, by: Actor): Promise<RoutingState> {
  await registry.metadata.setRouting(model, null, by)
  await registry.removeAlias(model, 'challenger', by)
  return routingState(registry, model)
}

/** Moves champion back to its previous holder and ends any canary split. */
export async function rollbackDeployment(registry: Registry, model: string, by: Actor): Promise<RoutingState> {
  await registry.rollback(model, by)
  await registry.metadata.setRouting(model, null, by)
  return routingState(registry, model)
}

async function newestCandidate(registry: Registry, model: string, champion: number): Promise<ModelVersion | undefined> {
  return (await registry.list(model)).find((v) => v.version !== champion && v.status !== 'rejected' && v.status !== 'archived')
}
