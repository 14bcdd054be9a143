/**
 * @module A strong-Wolfe line search (Nocedal & Wright, algorithms 3.5 and 3.6)
 * with safeguarded cubic interpolation; non-finite losses shrink the step.
 */

/** The objective along a direction: value, slope and the full point. */
export interface LinePoint {
  readonly step: number
  readonly f: number
  /** Directional derivative at `step`. */
  readonly slope: number
  readonly x: Float64Array
  readonly grad: Float64Array
}

export interface LineSearchOptions {
  /** Sufficient-decrease constant (Armijo). */
  readonly c1: number
  /** Curvature constant (strong Wolfe). */
  readonly c2: number
  readonly maxEvaluations: number
}

export const LINE_SEARCH_DEFAULTS: LineSearchOptions = { c1: 1e-4, c2: 0.9, maxEvaluations: 50 }

/** Minimizer of the cubic through two points with values and slopes, or NaN. */
function cubicMin(a: LinePoint, b: LinePoint): number {
  const d1 = a.slope + b.slope - (3 * (a.f - b.f)) / (a.step - b.step)
  const disc = d1 * d1 - a.slope * b.slope
  if (!(disc >= 0)) return Number.NaN
  const d2 = Math.sign(b.step - a.step) * Math.sqrt(disc)
  return b.step - ((b.step - a.step) * (b.slope + d2 - d1)) / (b.slope - a.slope + 2 * d2)
}

/** A trial step inside (lo, hi), kept away from both ends so the interval shrinks. */
function interpolate(lo: LinePoint, hi: LinePoint): number {
  const width = hi.step - lo.step
  const left = lo.step + 0.1 * width
  const right = hi.step - 0.1 * width
  const t = Number.isFinite(hi.f) ? cubicMin(lo, hi) : Number.NaN
  if (!Number.isFinite(t)) return lo.step + 0.5 * width
  return Math.min(Math.max(t, Math.min(left, right)), Math.max(left, right))
}

interface Search {
  readonly evaluate: (step: number) => LinePoint
  readonly start: LinePoint
  readonly armijo: (p: LinePoint) => boolean
  readonly curvature: (p: LinePoint) => boolean
  readonly roundoff: number
}

/**
 * Searches along the line from `start` (step 0) with `evaluate(step)`. Returns
 * a point satisfying the strong Wolfe conditions, else the best point with
 * sufficient decrease, else undefined.
 */
export function strongWolfe(
  evaluate: (step: number) => LinePoint,
  start: LinePoint,
  firstStep: number,
  o: LineSearchOptions = LINE_SEARCH_DEFAULTS,
): LinePoint | undefined {
  const roundoff = 1e-12 * Math.max(Math.abs(start.f), 1)
  const s: Search = {
    evaluate,
    start,
    // Near a minimum the decrease Armijo asks for drops below the rounding error of f;
    // then, as in Hager & Zhang's approximate Wolfe conditions, a value within
    // rounding of the start counts as a decrease and the slopes decide.
    armijo: (p) => Number.isFinite(p.f) && (p.f <= start.f + o.c1 * p.step * start.slope || p.f <= start.f + roundoff),
    curvature: (p) => Math.abs(p.slope) <= -o.c2 * start.slope,
    roundoff,
  }
  let prev = start
  let step = firstStep
  let best: LinePoint | undefined
  for (let evals = 1; evals <= o.maxEvaluations; evals++) {
    const p = evaluate(step)
    if (!s.armijo(p) || (evals > 1 && p.f > prev.f + roundoff)) return zoom(s, prev, p, o.maxEvaluations - evals) ?? best
    best = p
    if (s.curvature(p)) return p
    if (p.slope >= 0) return zoom(s, p, prev, o.maxEvaluations - evals) ?? best
    prev = p
    step *= 2
  }
  return best
}

/** Narrows a bracket `lo`/`hi` known to hold a strong-Wolfe step. */
function zoom(s: Search, lo0: LinePoint, hi0: LinePoint, budget: number): LinePoint | undefined {
  let lo = lo0
  let hi = hi0
  for (let k = 0; k < budget; k++) {
    if (Math.abs(hi.step - lo.step) <= Number.EPSILON * Math.max(1, Math.abs(lo.step))) break
    const p = s.evaluate(interpolate(lo, hi))
    if (!s.armijo(p) || p.f > lo.f + s.roundoff) hi = p
    else {
      if (s.curvature(p)) return p
      if (p.slope * (hi.step - lo.step) >= 0) hi = lo
      lo = p
    }
  }
  return lo === s.start ? undefined : lo
}
