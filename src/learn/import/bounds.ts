/**
 * @module Split thresholds for Keel's `x <= threshold` that reproduce another runtime's test
 * exactly, for every double x: `x < t`, and tests made on float32 values.
 */

const bits = new DataView(new ArrayBuffer(8))

/** The largest double below `x`: `v <= largestBelow(x)` exactly when `v < x`. */
export function largestBelow(x: number): number {
  if (Number.isNaN(x) || x === Number.NEGATIVE_INFINITY) return x
  if (x === 0) return -Number.MIN_VALUE
  bits.setFloat64(0, x)
  const raw = bits.getBigUint64(0)
  bits.setBigUint64(0, x > 0 ? raw - 1n : raw + 1n)
  return bits.getFloat64(0)
}

/** The float32 next to float32 `f`, upward or downward (±Infinity past the largest). */
function float32Step(f: number, up: boolean): number {
  if (Number.isNaN(f) || f === (up ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY)) return f
  if (f === 0) return up ? 2 ** -149 : -(2 ** -149)
  bits.setFloat32(0, f)
  const raw = bits.getUint32(0)
  bits.setUint32(0, f > 0 === up ? raw + 1 : raw - 1)
  return bits.getFloat32(0)
}

/** Rounding to float32 overflows to Infinity from here up (the midpoint past the largest float32). */
const FLOAT32_OVERFLOW = 2 ** 128

/** The largest double `T` with `x <= T` exactly when `Math.fround(x) <= f`, for float32 `f`. */
function float32AtMost(f: number): number {
  if (Number.isNaN(f) || f === Number.POSITIVE_INFINITY) return f
  const below = f === Number.NEGATIVE_INFINITY ? -FLOAT32_OVERFLOW : f
  const next = float32Step(f, true)
  const above = next === Number.POSITIVE_INFINITY ? FLOAT32_OVERFLOW : next
  // doubles below the midpoint round to f or lower; the midpoint itself rounds to the even one
  const mid = (below + above) / 2
  return Math.fround(mid) <= f ? mid : largestBelow(mid)
}

/** Whether the other runtime compares inputs as doubles or after rounding them to float32. */
export type InputPrecision = 'double' | 'float'

/**
 * Keel's threshold for a test `x <= t` (`strict`: `x < t`) that a runtime makes on `x` as
 * given (`double`) or rounded to float32 (`float`).
 */
export function thresholdFor(t: number, strict: boolean, precision: InputPrecision): number {
  // nothing is below -Infinity, and nothing is <= NaN
  if (strict && t === Number.NEGATIVE_INFINITY) return Number.NaN
  if (precision === 'double') return strict ? largestBelow(t) : t
  // the float32 values that pass the test are those up to the largest one that does
  const near = Math.fround(t)
  const passes = strict ? near < t : near <= t
  return float32AtMost(passes ? near : float32Step(near, false))
}
