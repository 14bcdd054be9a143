/**
 * @module Cleaning components: reusable, parameterized steps. An SQL component compiles to a
 * SELECT over its input; a frame component is a TypeScript function over a Frame. Either way the
 * parameters are validated (zod) before any step runs.
 */
import type { z } from 'zod'
import type { Frame } from '../../core/frame.js'
import type { Sql } from '../sql.js'

/** What a component may know while it builds its step. */
export interface ComponentContext {
  /** The input's columns, in order, with their engine types (`BIGINT`, `DOUBLE`, `VARCHAR`, `TIMESTAMP`, …). */
  readonly columns: readonly { readonly name: string; readonly type: string }[]
  /** A secret from the environment (e.g. a salt), resolved by the caller; undefined when unset. */
  readonly secret: (name: string) => string | undefined
}

interface ComponentBase<P> {
  /** Unique among components: lower camel case, as users call it in keel.config.ts. */
  readonly name: string
  /** One line for `keel data components` and the docs. */
  readonly description: string
  readonly params: z.ZodType<P>
}

export interface SqlComponent<P> extends ComponentBase<P> {
  readonly kind: 'sql'
  /** A SELECT reading from `input` (a relation to put after FROM) that produces the step's output. */
  build(params: P, input: Sql, context: ComponentContext): Sql
}

export interface FrameComponent<P> extends ComponentBase<P> {
  readonly kind: 'frame'
  /** Runs in memory on the whole input: for logic SQL cannot say, on data that fits in memory. */
  apply(frame: Frame, params: P): Frame | Promise<Frame>
}

export type Component<P = unknown> = SqlComponent<P> | FrameComponent<P>

/** A component with its parameters, as a dataset's `clean` list holds it. */
export interface Step<P = unknown> {
  readonly component: Component<P>
  readonly params: P
}
