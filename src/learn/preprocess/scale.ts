/** @module Standard scaling as scikit-learn's StandardScaler does it. */

/** Centre and scale of one column. */
export interface Scaling {
  readonly center: number
  readonly scale: number
}

/**
 * Mean and population standard deviation of `values` (no missing values). A
 * column with zero variance keeps scale 1, so it maps to zeros rather than NaN.
 */
export function fitStandardScale(values: Float64Array): Scaling {
  const n = values.length
  if (n === 0) return { center: 0, scale: 1 }
  // indexed loops: for…of over a typed array runs several times slower here
  let sum = 0
  for (let i = 0; i < n; i++) sum += values[i] as number
  const center = sum / n
  // two-pass variance: the one-pass formula loses precision on large offsets
  let ss = 0
  for (let i = 0; i < n; i++) {
    const d = (values[i] as number) - center
    ss += d * d
  }
  const variance = ss / n
  // scikit-learn's test for a variance that is only rounding noise of a constant column
  const noise = n * Number.EPSILON * variance + (n * center * Number.EPSILON) ** 2
  return { center, scale: variance <= noise ? 1 : Math.sqrt(variance) }
}

/** No scaling: values pass through unchanged. */
export const IDENTITY_SCALING: Scaling = { center: 0, scale: 1 }
