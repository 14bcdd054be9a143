/** @module Checking a pipeline's steps form a DAG, and ordering them. */
import { KeelError } from '../core/errors.js'
import type { PipelineStep, StepContext } from './step.js'

/**
 * The steps in an order where every step comes after its inputs (stable: among steps that are
 * ready, declaration order). PIPELINE_INVALID names a duplicate, an unknown input or a cycle.
 */
export function topologicalOrder<C extends StepContext>(steps: readonly PipelineStep<unknown, C>[]): PipelineStep<unknown, C>[] {
  const byName = new Map<string, PipelineStep<unknown, C>>()
  for (const step of steps) {
    if (byName.has(step.name)) throw new KeelError('PIPELINE_INVALID', `two steps are named "${step.name}"`)
    byName.set(step.name, step)
  }
  for (const step of steps) {
    for (const need of step.needs) {
      if (!byName.has(need)) throw new KeelError('PIPELINE_INVALID', `step "${step.name}" needs "${need}", which is not a step of this pipeline`)
    }
  }
  const done = new Set<string>()
  const order: PipelineStep<unknown, C>[] = []
  while (order.length < steps.length) {
    const ready = steps.filter((s) => !done.has(s.name) && s.needs.every((n) => done.has(n)))
    if (ready.length === 0) {
      const stuck = steps.filter((s) => !done.has(s.name)).map((s) => s.name)
      throw new KeelError('PIPELINE_INVALID', `the steps ${stuck.join(', ')} depend on each other in a cycle`)
    }
    for (const s of ready) {
      done.add(s.name)
      order.push(s)
    }
  }
  return order
}
