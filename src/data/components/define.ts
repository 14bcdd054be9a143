/** @module `defineComponent`: how built-in and user components become the step factories a dataset's `clean` list calls. */
import { KeelError } from '../../core/errors.js'
import type { Component, FrameComponent, SqlComponent, Step } from './component.js'

/** A component as users call it in keel.config.ts: `dedupe({ keys: ['id'] })` is a Step; `.component` is the definition. */
export type StepFactory<P, C extends Component<P> = Component<P>> = ((params: P) => Step<P>) & { readonly component: C }

const NAME = /^[a-z][A-Za-z0-9]*$/

/**
 * Turns a component into the function that makes its steps. Parameters are not checked
 * here but by `validateSteps`, which can say which step of which dataset is wrong.
 *
 * @example
 * ```ts
 * export const addMargin = defineComponent({
 *   kind: 'sql',
 *   name: 'addMargin',
 *   description: 'Adds margin = price - cost.',
 *   params: z.strictObject({ as: z.string() }),
 *   build: (p, input) => sql`SELECT *, price - cost AS ${ident(p.as)} FROM ${input}`,
 * })
 * // keel.config.ts: clean: [dedupe({ keys: ['id'] }), addMargin({ as: 'margin' })]
 * ```
 */
export function defineComponent<P>(component: SqlComponent<P>): StepFactory<P, SqlComponent<P>>
export function defineComponent<P>(component: FrameComponent<P>): StepFactory<P, FrameComponent<P>>
export function defineComponent<P>(component: SqlComponent<P> | FrameComponent<P>): StepFactory<P> {
  assertDefinition(component)
  const definition = Object.freeze({ ...component })
  const factory = (params: P): Step<P> => Object.freeze({ component: definition, params })
  return Object.assign(factory, { component: definition })
}

/** Whether `x` is a step factory (a component not yet given its parameters). */
export function isStepFactory(x: unknown): x is StepFactory<unknown> {
  return typeof x === 'function' && 'component' in x
}

// Components are written in config files, where types are not checked at run time.
function assertDefinition(component: Component<unknown>): void {
  const c = component as Partial<Record<keyof SqlComponent<unknown> | keyof FrameComponent<unknown>, unknown>>
  const invalid = (what: string): never => {
    throw new KeelError('CONFIG_INVALID', `defineComponent(${typeof c.name === 'string' ? `"${c.name}"` : '…'}): ${what}`, {
      hint: 'A component needs kind (sql or frame), a lower camel case name, a description, a zod params schema and build (sql) or apply (frame).',
    })
  }
  if (typeof c.name !== 'string' || !NAME.test(c.name)) invalid('name must be lower camel case, like "dropTestAccounts"')
  if (typeof c.description !== 'string' || c.description.trim() === '') invalid('description must be a non-empty sentence')
  if (typeof (c.params as { safeParse?: unknown } | undefined)?.safeParse !== 'function') invalid('params must be a zod schema')
  if (c.kind === 'sql' ? typeof c.build !== 'function' : c.kind === 'frame' ? typeof c.apply !== 'function' : true)
    invalid(`kind must be 'sql' with a build function or 'frame' with an apply function`)
}
