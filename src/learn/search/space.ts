/** @module Search spaces: explicit value lists and seeded distributions, expanded to grids or sampled. */
import { KeelError } from '../../core/errors.js'
import type { Random } from '../random.js'

export type ParamValue = number | string | boolean
export type Params = Readonly<Record<string, ParamValue>>

/** A distribution to sample one parameter from; `int` bounds are inclusive. */
export type Distribution =
  | { readonly kind: 'choice'; readonly values: readonly ParamValue[] }
  | { readonly kind: 'uniform'; readonly low: number; readonly high: number }
  | { readonly kind: 'logUniform'; readonly low: number; readonly high: number }
  | { readonly kind: 'int'; readonly low: number; readonly high: number }

/** Each parameter: a list of values (a grid axis, or a uniform choice when sampling) or a distribution. */
export type SearchSpace = Readonly<Record<string, readonly ParamValue[] | Distribution>>

const invalidParams = (message: string): KeelError => new KeelError('LEARN_INVALID_PARAMS', message)

/**
 * One of these values, equally likely.
 *
 * @example
 * ```ts
 * const space = { loss: choice('l2', 'huber') }
 * ```
 */
export const choice = (...values: ParamValue[]): Distribution => ({ kind: 'choice', values })

/**
 * A uniform number in [low, high).
 *
 * @example
 * ```ts
 * const space = { subsample: uniform(0.5, 1) }
 * ```
 */
export const uniform = (low: number, high: number): Distribution => ({ kind: 'uniform', low, high })

/**
 * A number whose logarithm is uniform in [log low, log high): for scales such as learning rates.
 *
 * @example
 * ```ts
 * const space = { learningRate: logUniform(1e-3, 0.3) }
 * ```
 */
export const logUniform = (low: number, high: number): Distribution => ({ kind: 'logUniform', low, high })

/**
 * An integer in [low, high], both included.
 *
 * @example
 * ```ts
 * const space = { maxDepth: intRange(2, 8) }
 * ```
 */
export const intRange = (low: number, high: number): Distribution => ({ kind: 'int', low, high })

/** Grids and without-repeat samples stop here, so a wide int range cannot exhaust memory. */
const MAX_GRID = 100_000

/** Lists are choices; bounds are checked once here. */
function distributions(space: SearchSpace): [string, Distribution][] {
  const entries = Object.entries(space)
  if (entries.length === 0) throw invalidParams('the search space has no parameters')
  return entries.map(([name, d]) => {
    const dist: Distribution = Array.isArray(d) ? { kind: 'choice', values: d } : (d as Distribution)
    if (dist.kind === 'choice') {
      if (dist.values.length === 0) throw invalidParams(`search parameter "${name}" has no values`)
      return [name, dist]
    }
    const { low, high } = dist
    const ok = dist.kind === 'int' ? Number.isInteger(low) && Number.isInteger(high) && low <= high : low < high && (dist.kind === 'uniform' || low > 0)
    if (!ok) throw invalidParams(`search parameter "${name}" has an invalid ${dist.kind} range [${low}, ${high}]`)
    return [name, dist]
  })
}

/** The values of a discrete parameter, or undefined for a continuous one. */
function discreteValues(d: Distribution): readonly ParamValue[] | undefined {
  if (d.kind === 'choice') return d.values
  if (d.kind === 'int' && d.high - d.low < MAX_GRID) return Array.from({ length: d.high - d.low + 1 }, (_, i) => d.low + i)
  return undefined
}

/** The grid size if every parameter is discrete and the grid is not too large to list. */
function gridSize(dists: readonly [string, Distribution][]): number | undefined {
  let size = 1
  for (const [, d] of dists) {
    const values = discreteValues(d)
    if (!values) return undefined
    size *= values.length
  }
  return size <= MAX_GRID ? size : undefined
}

/**
 * Every combination of the listed values, the last parameter varying fastest.
 * Continuous distributions cannot be gridded and raise LEARN_INVALID_PARAMS.
 *
 * @example
 * ```ts
 * grid({ depth: [2, 4], rate: [0.1, 0.3] }) // [{ depth: 2, rate: 0.1 }, { depth: 2, rate: 0.3 }, …]
 * ```
 */
export function grid(space: SearchSpace): Params[] {
  const dists = distributions(space)
  for (const [name, d] of dists) {
    if (!discreteValues(d)) throw invalidParams(`grid search needs explicit values for "${name}"; use strategy "random" for distributions`)
  }
  if (gridSize(dists) === undefined) throw invalidParams(`the grid has more than ${MAX_GRID} combinations; use strategy "random" or "halving"`)
  let combos: Record<string, ParamValue>[] = [{}]
  for (const [name, d] of dists) combos = combos.flatMap((c) => (discreteValues(d) ?? []).map((v) => ({ ...c, [name]: v })))
  return combos
}

/**
 * `n` seeded parameter sets. When every parameter is a list or choice, they are
 * drawn from the grid without repeats (as scikit-learn's ParameterSampler), so
 * a small grid is simply covered.
 *
 * @example
 * ```ts
 * sample({ rate: logUniform(1e-3, 1), depth: intRange(2, 6) }, 20, createRandom(1))
 * ```
 */
export function sample(space: SearchSpace, n: number, rng: Random): Params[] {
  const dists = distributions(space)
  if (dists.every(([, d]) => d.kind === 'choice') && gridSize(dists) !== undefined) {
    const all = grid(space)
    for (let i = all.length - 1; i > 0; i--) {
      const j = rng.int(i + 1)
      ;[all[i], all[j]] = [all[j] ?? {}, all[i] ?? {}]
    }
    return all.slice(0, n)
  }
  return Array.from({ length: n }, () => Object.fromEntries(dists.map(([name, d]) => [name, draw(d, rng)])))
}

function draw(dist: Distribution, rng: Random): ParamValue {
  switch (dist.kind) {
    case 'choice':
      return dist.values[rng.int(dist.values.length)] ?? ''
    case 'uniform':
      return dist.low + rng.next() * (dist.high - dist.low)
    case 'logUniform':
      return Math.exp(Math.log(dist.low) + rng.next() * (Math.log(dist.high) - Math.log(dist.low)))
    case 'int':
      return dist.low + rng.int(dist.high - dist.low + 1)
  }
}
