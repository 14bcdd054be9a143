export { rmse } from '../../../src/learn/metrics/index.js'

import { expect } from 'vitest'
import { KeelError } from '../../../src/core/errors.js'
/** @module Seeded synthetic frames for the tree learner tests. */
import { Frame } from '../../../src/core/frame.js'
import { createRandom } from '../../../src/learn/random.js'

const num = (values: Float64Array) => ({ kind: 'number' as const, values })

/** Two informative features and one noise feature; `y` is 1 when x0 + x1 > 1 (flipped for a `noise` fraction of rows). */
export function binaryFrame(n: number, seed: number, noise = 0): Frame {
  const r = createRandom(seed)
  const x0 = Float64Array.from({ length: n }, () => r.next())
  const x1 = Float64Array.from({ length: n }, () => r.next())
  const x2 = Float64Array.from({ length: n }, () => r.next())
  const y = Float64Array.from({ length: n }, (_, i) => {
    const clean = (x0[i] as number) + (x1[i] as number) > 1 ? 1 : 0
    return r.next() < noise ? 1 - clean : clean
  })
  return new Frame({ x0: num(x0), x1: num(x1), x2: num(x2), y: num(y) })
}

/** Three classes by which third of [0, 1) x0 falls in; x1 is noise. Labels are strings. */
export function multiclassFrame(n: number, seed: number): Frame {
  const r = createRandom(seed)
  const names = ['low', 'mid', 'high']
  const x0 = Float64Array.from({ length: n }, () => r.next())
  const x1 = Float64Array.from({ length: n }, () => r.next())
  const codes = Int32Array.from(x0, (v) => Math.min(2, Math.floor(v * 3)))
  return new Frame({ x0: num(x0), x1: num(x1), y: { kind: 'category', codes, levels: names } })
}

/** y = 2x on a grid of [0, 10). */
export function linearFrame(n: number): Frame {
  const x = Float64Array.from({ length: n }, (_, i) => (10 * i) / n)
  return new Frame({ x: num(x), y: num(x.map((v) => 2 * v)) })
}

/** Accuracy of argmax predictions (row-major probabilities) against class indices. */
export function accuracy(values: Float64Array, k: number, classes: readonly string[], labels: readonly string[]): number {
  let right = 0
  for (let i = 0; i < labels.length; i++) {
    let best = 0
    for (let j = 1; j < k; j++) if ((values[i * k + j] as number) > (values[i * k + best] as number)) best = j
    if (classes[best] === labels[i]) right++
  }
  return right / labels.length
}

/** Column values as label strings, as training spells classes. */
export function labelsOf(frame: Frame, name: string): string[] {
  const c = frame.column(name)
  if (c.kind === 'category') return Array.from(c.codes, (code) => c.levels[code] ?? '')
  if (c.kind === 'boolean') return Array.from(c.values, (v) => (v === 1 ? 'true' : 'false'))
  return Array.from(c.values, (v) => String(v))
}

export function numbers(frame: Frame, name: string): Float64Array {
  const c = frame.column(name)
  if (c.kind !== 'number') throw new Error(`${name} is not numeric`)
  return c.values
}

/** Awaits `p` (or calls it) and checks it fails with a KeelError of `code`, whose message matches `pattern`. */
export async function rejects(p: Promise<unknown> | (() => unknown), code: string, pattern?: RegExp): Promise<void> {
  const error = await (async () => (typeof p === 'function' ? p() : p))().then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(KeelError)
  expect((error as KeelError).code).toBe(code)
  if (pattern) expect((error as KeelError).message).toMatch(pattern)
}
