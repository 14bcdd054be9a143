import { describe, expect, it } from 'vitest'
import { calibration, prCurve, rocCurve } from '../../src/learn/metrics/curves.js'

// values from scikit-learn 1.2: roc_curve(drop_intermediate=False), precision_recall_curve, calibration_curve(n_bins=4)
const y = new Int32Array([0, 0, 1, 1, 0, 1, 1, 0, 1, 0])
const s = new Float64Array([0.1, 0.4, 0.35, 0.8, 0.4, 0.9, 0.2, 0.05, 0.65, 0.7])

describe('evaluation curves', () => {
  it('ROC points match scikit-learn, ties forming one threshold', () => {
    const roc = rocCurve(y, s)
    expect(roc.map((p) => p.fpr)).toEqual([0, 0, 0, 0.2, 0.2, 0.6, 0.6, 0.6, 0.8, 1])
    expect(roc.map((p) => p.tpr)).toEqual([0, 0.2, 0.4, 0.4, 0.6, 0.6, 0.8, 1, 1, 1])
    expect(roc.map((p) => p.threshold).slice(1)).toEqual([0.9, 0.8, 0.7, 0.65, 0.4, 0.35, 0.2, 0.1, 0.05])
  })

  it('precision-recall points match scikit-learn, ending at recall 0', () => {
    const pr = prCurve(y, s)
    const precision = [0.5, 0.5555555555555556, 0.625, 0.5714285714285714, 0.5, 0.75, 0.6666666666666666, 1, 1, 1]
    for (const [i, p] of pr.entries()) expect(p.precision).toBeCloseTo(precision[i] as number, 12)
    expect(pr.map((p) => p.recall)).toEqual([1, 1, 1, 0.8, 0.6, 0.6, 0.4, 0.4, 0.2, 0])
  })

  it('calibration bins match calibration_curve(strategy="uniform")', () => {
    const bins = calibration(y, s, 4)
    expect(bins.map((b) => b.fractionPositive)).toEqual([1 / 3, 1 / 3, 0.5, 1])
    const mean = [0.11666666666666668, 0.3833333333333333, 0.675, 0.85]
    for (const [i, b] of bins.entries()) expect(b.meanPredicted).toBeCloseTo(mean[i] as number, 12)
    expect(bins.reduce((n, b) => n + b.count, 0)).toBe(10)
  })

  it('thins long curves to the requested number of points, keeping both ends', () => {
    const n = 5000
    const labels = Int32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0))
    const scores = Float64Array.from({ length: n }, (_, i) => ((i * 7919) % n) / n)
    const roc = rocCurve(labels, scores, 51)
    expect(roc).toHaveLength(51)
    expect(roc[0]).toMatchObject({ fpr: 0, tpr: 0 })
    expect(roc.at(-1)).toMatchObject({ fpr: 1, tpr: 1 })
  })
})
