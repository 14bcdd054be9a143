/** @module Score-ranking metrics (ROC-AUC, average precision) with scikit-learn's tie handling. */
import { type ClassLabels, checkClasses, checkPair, checkProbaShape, invalid } from './check.js'

/** Cumulative true/false positives at each distinct score (`at`), from the highest score down (`_binary_clf_curve`). */
export interface Curve {
  readonly tps: number[]
  readonly fps: number[]
  readonly at: number[]
}

/**
 * Area under the ROC curve: binary from positive-class scores (or an n×2
 * matrix), multiclass as the unweighted mean of one-vs-rest AUCs from an n×k
 * probability matrix, like `roc_auc_score(multi_class='ovr', average='macro')`.
 * Tied scores form one threshold, so the curve joins them with a straight line.
 *
 * @example
 * ```ts
 * rocAuc(new Int32Array([0, 0, 1, 1]), new Float64Array([0.1, 0.4, 0.35, 0.8])) // 0.75
 * ```
 */
export function rocAuc(yTrue: ClassLabels, scores: Float64Array): number {
  const n = yTrue.length
  if (n > 0 && scores.length !== n && scores.length !== 2 * n) {
    checkRowsSumToOne(n, scores)
    return oneVsRest('rocAuc', yTrue, scores, binaryRocAuc)
  }
  return binaryRocAuc(yTrue, binaryScores('rocAuc', yTrue, scores))
}

/**
 * Average precision Σ (Rₙ − Rₙ₋₁)·Pₙ over distinct thresholds (no interpolation),
 * like `average_precision_score`; 0 when there is no positive row. Multiclass
 * (n×k probabilities) is the macro mean over one-vs-rest columns.
 *
 * @example
 * ```ts
 * averagePrecision(new Int32Array([0, 0, 1, 1]), new Float64Array([0.1, 0.4, 0.35, 0.8])) // 0.8333…
 * ```
 */
export function averagePrecision(yTrue: ClassLabels, scores: Float64Array): number {
  const n = yTrue.length
  if (n > 0 && scores.length !== n && scores.length !== 2 * n) return oneVsRest('averagePrecision', yTrue, scores, binaryAveragePrecision)
  return binaryAveragePrecision(yTrue, binaryScores('averagePrecision', yTrue, scores))
}

function binaryScores(metric: string, yTrue: ClassLabels, scores: Float64Array): Float64Array {
  const n = yTrue.length
  if (n === 0) throw invalid(`${metric}: no values to score`)
  let s = scores
  if (scores.length === 2 * n) {
    s = new Float64Array(n)
    for (let i = 0; i < n; i++) s[i] = scores[2 * i + 1] ?? Number.NaN
  }
  checkPair(metric, yTrue, s)
  if (checkClasses(metric, yTrue) > 2) throw invalid(`${metric}: yTrue has more than two classes; pass an n×k probability matrix`)
  for (const v of s) if (!Number.isFinite(v)) throw invalid(`${metric}: scores must be finite numbers (found ${v})`)
  return s
}

export function curve(yTrue: ArrayLike<number>, scores: ArrayLike<number>): Curve {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0))
  const tps: number[] = []
  const fps: number[] = []
  const at: number[] = []
  let tp = 0
  let fp = 0
  order.forEach((row, j) => {
    if (yTrue[row] === 1) tp++
    else fp++
    const next = order[j + 1]
    if (next === undefined || scores[next] !== scores[row]) {
      tps.push(tp)
      fps.push(fp)
      at.push(scores[row] as number)
    }
  })
  return { tps, fps, at }
}

function binaryRocAuc(yTrue: ArrayLike<number>, scores: Float64Array): number {
  const { tps, fps } = curve(yTrue, scores)
  const positives = tps[tps.length - 1] ?? 0
  const negatives = fps[fps.length - 1] ?? 0
  if (positives === 0 || negatives === 0) throw invalid('rocAuc: only one class is present in yTrue, so ROC AUC is undefined')
  let area = 0
  let prevTp = 0
  let prevFp = 0
  tps.forEach((tp, i) => {
    const fp = fps[i] ?? 0
    area += ((fp - prevFp) / negatives) * ((tp / positives + prevTp / positives) / 2)
    prevTp = tp
    prevFp = fp
  })
  return area
}

function binaryAveragePrecision(yTrue: ArrayLike<number>, scores: Float64Array): number {
  const { tps, fps } = curve(yTrue, scores)
  const positives = tps[tps.length - 1] ?? 0
  if (positives === 0) return 0
  let ap = 0
  let prevRecall = 0
  tps.forEach((tp, i) => {
    const r = tp / positives
    ap += (r - prevRecall) * (tp / (tp + (fps[i] ?? 0)))
    prevRecall = r
  })
  return ap
}

function oneVsRest(metric: string, yTrue: ClassLabels, proba: Float64Array, binary: (y: Uint8Array, s: Float64Array) => number): number {
  const n = yTrue.length
  const k = checkProbaShape(metric, n, proba)
  checkClasses(metric, yTrue)
  const seen = new Set(yTrue)
  if (seen.size !== k) throw invalid(`${metric}: yTrue has ${seen.size} of the ${k} classes in the probabilities; one-vs-rest needs every class present`)
  for (const v of proba) if (!Number.isFinite(v)) throw invalid(`${metric}: probabilities must be finite numbers (found ${v})`)
  let total = 0
  for (let c = 0; c < k; c++) {
    const y = new Uint8Array(n)
    const s = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      y[i] = yTrue[i] === c ? 1 : 0
      s[i] = proba[i * k + c] ?? 0
    }
    total += binary(y, s)
  }
  return total / k
}

/** scikit-learn refuses one-vs-rest AUC on scores that are not probabilities (np.allclose tolerances). */
function checkRowsSumToOne(n: number, proba: Float64Array): void {
  const k = checkProbaShape('rocAuc', n, proba)
  for (let i = 0; i < n; i++) {
    let sum = 0
    for (let c = 0; c < k; c++) sum += proba[i * k + c] ?? 0
    if (!(Math.abs(sum - 1) <= 1e-8 + 1e-5)) throw invalid(`rocAuc: multiclass scores must be probabilities summing to 1 per row; row ${i} sums to ${sum}`)
  }
}
