/**
 * @module Link functions: from a model's raw scores (margins) to what it predicts.
 */

/** `identity` for regression, `sigmoid` for one binary margin, `softmax` for one margin per class. */
export type Link = 'identity' | 'sigmoid' | 'softmax'

/** Probabilities or values from raw outputs (`nRows × k`, row-major). */
export function applyLink(link: Link, raw: Float64Array, nRows: number): Float64Array {
  if (link === 'identity') return raw
  if (link === 'sigmoid') {
    const out = new Float64Array(nRows * 2)
    for (let i = 0; i < nRows; i++) {
      const p = sigmoid(raw[i] as number)
      out[2 * i] = 1 - p
      out[2 * i + 1] = p
    }
    return out
  }
  const k = raw.length / Math.max(1, nRows)
  const out = new Float64Array(raw.length)
  for (let i = 0; i < nRows; i++) softmaxRow(raw, out, i * k, k)
  return out
}

export function sigmoid(m: number): number {
  return 1 / (1 + Math.exp(-m))
}

/** Softmax of `k` values at `offset`, shifted by their maximum so large margins cannot overflow. */
export function softmaxRow(raw: Float64Array, out: Float64Array, offset: number, k: number): void {
  let max = Number.NEGATIVE_INFINITY
  for (let j = 0; j < k; j++) max = Math.max(max, raw[offset + j] as number)
  let sum = 0
  for (let j = 0; j < k; j++) {
    const e = Math.exp((raw[offset + j] as number) - max)
    out[offset + j] = e
    sum += e
  }
  for (let j = 0; j < k; j++) out[offset + j] = (out[offset + j] as number) / sum
}
