/**
 * @module Alerts: rules over a monitor pass (`drift.share > 0.3`), held `for:` a duration
 * before they fire, deduplicated (an alert fires once until it resolves), with actions —
 * webhook, log, retrain, rollback, promote — each recorded as an alert event.
 */

import { currentUser } from '../core/config.js'
import { toKeelError } from '../core/errors.js'
import { train } from '../pipeline/train/train.js'
import type { Project } from '../project.js'
import { WebhookDispatcher } from '../serve/actions.js'
import { promote, rollbackDeployment } from '../serve/routing.js'
import type { AlertAction, ResolvedMonitor } from './monitor-spec.js'

export interface ActionOutcome {
  readonly action: string
  readonly ok: boolean
  readonly detail: string
}

export interface AlertOutcome {
  readonly alert: string
  readonly condition: boolean
  readonly state: 'ok' | 'pending' | 'firing'
  /** `fired` or `resolved` when this pass changed the state. */
  readonly transition: 'fired' | 'resolved' | null
  readonly actions: readonly ActionOutcome[]
}

/** What rules see: the pass without its alerts. */
export interface AlertScope {
  readonly drift: unknown
  readonly performance: unknown
  readonly service: unknown
}

function scopeOf(result: { drift: unknown; performance: unknown; service: unknown }): Record<string, unknown> {
  const drift = result.drift as { share: number; drifted: boolean; driftedColumns: string[]; columns: { column: string }[]; prediction: unknown } | null
  return {
    drift: drift && {
      ...drift,
      // columns by name, so rules can say drift.columns.tenure.drifted
      columns: Object.fromEntries(drift.columns.map((c) => [c.column, c])),
      drifted_columns: drift.driftedColumns.length,
    },
    performance: result.performance && { ...(result.performance as { metrics: Record<string, number> }).metrics, ...(result.performance as object) },
    service: result.service,
  }
}

/**
 * Judges each alert of the monitor against a pass, moves its state, and on firing runs its
 * actions (skipped when `dryRun`).
 */
export async function judgeAlerts(
  project: Project,
  monitor: ResolvedMonitor,
  model: string,
  result: { drift: unknown; performance: unknown; service: unknown },
  options: { readonly now: number; readonly dryRun: boolean },
): Promise<AlertOutcome[]> {
  const scope = scopeOf(result)
  const outcomes: AlertOutcome[] = []
  for (const alert of monitor.alerts) {
    const condition = alert.rule.test(scope)
    const previous = (await project.metadata.getAlertState(monitor.name, alert.name)) ?? { state: 'ok' as const, since: options.now }
    let state: AlertOutcome['state'] = previous.state
    let since = previous.since
    let transition: AlertOutcome['transition'] = null
    if (condition) {
      if (state === 'ok') {
        state = 'pending'
        since = options.now
      }
      if (state === 'pending' && options.now - since >= alert.forMs) {
        state = 'firing'
        since = options.now
        transition = 'fired'
      }
    } else if (state !== 'ok') {
      transition = state === 'firing' ? 'resolved' : null
      state = 'ok'
      since = options.now
    }
    await project.metadata.setAlertState({ monitor: monitor.name, alert: alert.name, state, since, updatedAt: options.now })
    const actions: ActionOutcome[] = []
    if (transition !== null) {
      await project.metadata.addAlertEvent({ monitor: monitor.name, alert: alert.name, at: options.now, event: transition, details: { when: alert.rule.text } })
    }
    if (transition === 'fired' && !options.dryRun) {
      for (const action of alert.actions) {
        const outcome = await runAction(project, monitor, alert.name, model, action, scope)
        actions.push(outcome)
        await project.metadata.addAlertEvent({
          monitor: monitor.name,
          alert: alert.name,
          at: options.now,
          event: `action:${outcome.action}`,
          details: { ok: outcome.ok, detail: outcome.detail },
        })
      }
    }
    outcomes.push({ alert: alert.name, condition, state, transition, actions })
  }
  return outcomes
}

async function runAction(
  project: Project,
  monitor: ResolvedMonitor,
  alert: string,
  model: string,
  action: AlertAction,
  scope: Record<string, unknown>,
): Promise<ActionOutcome> {
  const by = { actor: `monitor:${monitor.name}`, at: Date.now(), reason: `alert ${alert}` }
  try {
    if ('webhook' in action) {
      let outcome = { ok: false, detail: '' }
      const dispatcher = new WebhookDispatcher({
        onOutcome: (_d, o, attempts, detail) => (outcome = { ok: o === 'delivered', detail: `${o} after ${attempts} attempt(s): ${detail}` }),
      })
      dispatcher.send({
        url: action.webhook,
        deployment: monitor.deployment,
        payload: { monitor: monitor.name, alert, deployment: monitor.deployment, model, at: by.at, ...scope },
      })
      await dispatcher.close(30_000)
      return { action: 'webhook', ...outcome }
    }
    if ('log' in action) return { action: 'log', ok: true, detail: 'recorded in the alert events' }
    if ('retrain' in action) {
      const result = await train(project, model, { user: currentUser() })
      const v = result.version
      return {
        action: 'retrain',
        ok: v !== null,
        detail:
          v === null
            ? `no version registered: gates ${result.gates.passed ? 'passed' : 'failed'}`
            : `${v.name}@${v.version}${result.alreadyRegistered ? ' (unchanged)' : ' registered'}`,
      }
    }
    if ('rollback' in action) {
      const state = await rollbackDeployment(project.registry, model, by)
      return { action: 'rollback', ok: true, detail: `champion is now version ${state.champion}` }
    }
    const state = await promote(project.registry, model, by)
    return { action: 'promote', ok: true, detail: `champion is now version ${state.champion}` }
  } catch (error) {
    return { action: Object.keys(action)[0] as string, ok: false, detail: toKeelError(error).message }
  }
}
