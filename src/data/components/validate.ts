/** @module `validateSteps`: every step's parameters checked against its component's schema before anything runs. */
import type { z } from 'zod'
import { KeelError } from '../../core/errors.js'
import type { Component, Step } from './component.js'
import { isStepFactory } from './define.js'
import { COMPONENTS, isBuiltin } from './registry.js'

const BUILTINS: ReadonlyMap<string, Component> = new Map(Object.values(COMPONENTS).map((f) => [f.component.name, f.component as Component]))

/**
 * The steps with their parameters as the schemas parse them (defaults applied, types checked).
 * Any problem is COMPONENT_INVALID_PARAMS naming the step (1-based), its component and the
 * parameter at fault.
 *
 * @example
 * ```ts
 * validateSteps([dedupe({ keys: [] })])
 * // KeelError COMPONENT_INVALID_PARAMS: step 1 (dedupe): `keys`: must name at least one column
 * ```
 */
export function validateSteps(steps: readonly Step[]): Step[] {
  if (!Array.isArray(steps)) throw new KeelError('COMPONENT_INVALID_PARAMS', 'clean must be a list of steps, like [dedupe({ keys: ["id"] })]')
  const byName = new Map(BUILTINS)
  return steps.map((step, i) => {
    const component = componentOf(step as unknown, i + 1)
    const known = byName.get(component.name)
    const sameBuiltin = known !== undefined && isBuiltin(known) && isBuiltin(component)
    if (known !== undefined && known !== component && !sameBuiltin)
      throw invalid(i + 1, component.name, 'another component has this name; give the user component a name of its own')
    byName.set(component.name, component)
    const result = component.params.safeParse(step.params, { reportInput: true })
    if (!result.success) throw invalid(i + 1, component.name, describeIssues(result.error.issues))
    return Object.freeze({ component, params: result.data })
  })
}

/** The error for step `position` of component `name`, in the form every step error takes. */
export function stepError(position: number, name: string, error: KeelError): KeelError {
  const own = `${name}: `
  const message = error.message.startsWith(own) ? error.message.slice(own.length) : error.message
  return new KeelError(error.code, `step ${position} (${name}): ${message}`, { hint: error.hint, cause: error })
}

function invalid(position: number, name: string, message: string): KeelError {
  return stepError(position, name, new KeelError('COMPONENT_INVALID_PARAMS', message))
}

function componentOf(step: unknown, position: number): Component {
  if (isStepFactory(step)) throw invalid(position, step.component.name, `the component is not called; write ${step.component.name}({ … })`)
  const component = (step as { component?: Partial<Component> } | null)?.component
  if (typeof component?.name !== 'string' || typeof component.params?.safeParse !== 'function')
    throw new KeelError('COMPONENT_INVALID_PARAMS', `step ${position} is not a step; make steps by calling a component, like dedupe({ keys: ['id'] })`)
  return component as Component
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, 3).map((issue) => `${issue.path.length === 0 ? 'params' : `\`${issue.path.map(String).join('.')}\``}: ${describeIssue(issue)}`)
  const more = issues.length > shown.length ? ` (+${issues.length - shown.length} more)` : ''
  return shown.join('; ') + more
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `\`${k}\``).join(', ')}`
    case 'invalid_type':
      return issue.input === undefined ? `is required (${issue.expected})` : `must be ${issue.expected}, got ${describeValue(issue.input)}`
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`
    default:
      return issue.message
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'string' ? `the string ${JSON.stringify(value)}` : typeof value
}
