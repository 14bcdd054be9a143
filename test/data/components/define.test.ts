import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { SqlComponent } from '../../../src/data/components/component.js'
import { COMPONENTS, dedupe, defineComponent, isStepFactory, listComponents, validateSteps } from '../../../src/data/components/index.js'
import { sql } from '../../../src/data/sql.js'
import { thrown } from './helpers.js'

const tag: SqlComponent<{ label: string }> = {
  kind: 'sql',
  name: 'tagRows',
  description: 'Adds a label column.',
  params: z.strictObject({ label: z.string() }),
  build: (p, input) => sql`SELECT *, ${p.label} AS label FROM ${input}`,
}

describe('defineComponent', () => {
  it('returns a step factory that carries the component', () => {
    const tagRows = defineComponent(tag)
    expect(isStepFactory(tagRows)).toBe(true)
    expect(tagRows.component.name).toBe('tagRows')
    const step = tagRows({ label: 'a' })
    expect(step.component).toBe(tagRows.component)
    expect(step.params).toEqual({ label: 'a' })
    expect(Object.isFrozen(step)).toBe(true)
  })

  it('refuses definitions a config file could get wrong', () => {
    const bad = (patch: Record<string, unknown>) => thrown(() => defineComponent({ ...tag, ...patch } as SqlComponent<{ label: string }>))
    expect(bad({ name: 'Tag rows' }).message).toBe('defineComponent("Tag rows"): name must be lower camel case, like "dropTestAccounts"')
    expect(bad({ name: 'Tag rows' }).code).toBe('CONFIG_INVALID')
    expect(bad({ description: ' ' }).message).toContain('description must be a non-empty sentence')
    expect(bad({ params: { parse: () => 1 } }).message).toContain('params must be a zod schema')
    expect(bad({ kind: 'frame' }).message).toContain("kind must be 'sql' with a build function or 'frame' with an apply function")
    expect(bad({ build: undefined }).message).toContain("kind must be 'sql'")
  })
})

describe('the built-in registry', () => {
  it('lists every built-in with its description, sorted by name', () => {
    const listed = listComponents()
    expect(listed.map((c) => c.name)).toEqual([
      'cast',
      'clip',
      'dedupe',
      'derive',
      'drop',
      'fillMissing',
      'filter',
      'hashPii',
      'parseDates',
      'rename',
      'trimAndCase',
      'winsorize',
    ])
    expect(listed.every((c) => c.kind === 'sql' && c.description.endsWith('.'))).toBe(true)
    expect(listed.find((c) => c.name === 'dedupe')?.description).toBe('Keeps one row per key: the first or last by a column, or by input order.')
    for (const [key, factory] of Object.entries(COMPONENTS)) expect(factory.component.name).toBe(key)
  })
})

describe('validateSteps', () => {
  it('returns the steps with parsed parameters', () => {
    const [step] = validateSteps([dedupe({ keys: ['id'] })])
    expect(step?.params).toEqual({ keys: ['id'] })
    expect(step?.component).toBe(dedupe.component)
  })

  it('names the step, the component and the parameter at fault', () => {
    const cases: [unknown, string][] = [
      [{ keys: [] }, 'step 2 (dedupe): `keys`: must name at least one column'],
      [{ keys: ['id'], keep: 'middle' }, 'step 2 (dedupe): `keep`: must be one of "first", "last"'],
      [{ keys: ['id'], key: 'x' }, 'step 2 (dedupe): params: unknown key `key`'],
      [{ keys: 'id' }, 'step 2 (dedupe): `keys`: must be array, got the string "id"'],
      [{}, 'step 2 (dedupe): `keys`: is required (array)'],
      [{ keys: ['', 'a\0b'] }, 'step 2 (dedupe): `keys.0`: must be a non-empty column name; `keys.1`: must not contain a NUL character'],
    ]
    for (const [params, message] of cases) {
      const error = thrown(() => validateSteps([COMPONENTS.drop({ columns: ['x'] }), dedupe(params as { keys: string[] })]))
      expect(error.code).toBe('COMPONENT_INVALID_PARAMS')
      expect(error.message).toBe(message)
    }
  })

  it('checks maps keyed by column', () => {
    expect(thrown(() => validateSteps([COMPONENTS.cast({ a: 'integer' as 'int' })])).message).toBe(
      'step 1 (cast): `a`: must be one of "int", "float", "string", "bool", "timestamp", "date"',
    )
    expect(thrown(() => validateSteps([COMPONENTS.fillMissing({})])).message).toBe('step 1 (fillMissing): params: must name at least one column')
  })

  it('catches a component used without its parameters, and things that are not steps', () => {
    expect(thrown(() => validateSteps([dedupe as never])).message).toBe('step 1 (dedupe): the component is not called; write dedupe({ … })')
    expect(thrown(() => validateSteps([{ keys: ['id'] } as never])).message).toBe(
      "step 1 is not a step; make steps by calling a component, like dedupe({ keys: ['id'] })",
    )
    expect(thrown(() => validateSteps('dedupe' as never)).message).toContain('clean must be a list of steps')
  })

  it('refuses a user component that takes a name already in use', () => {
    const impostor = defineComponent({ ...tag, name: 'dedupe' })
    expect(thrown(() => validateSteps([impostor({ label: 'x' })])).message).toBe(
      'step 1 (dedupe): another component has this name; give the user component a name of its own',
    )
    const a = defineComponent(tag)
    const b = defineComponent(tag)
    expect(thrown(() => validateSteps([a({ label: 'x' }), b({ label: 'y' })])).message).toContain('step 2 (tagRows): another component has this name')
    expect(validateSteps([a({ label: 'x' }), a({ label: 'y' })])).toHaveLength(2)
  })
})
