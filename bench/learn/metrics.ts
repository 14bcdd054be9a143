/**
 * @module The two scores the learning benchmark reports, kept local so the bench does not depend on Keel's metrics.
 */

/**
 * Area under the ROC curve (tied scores share their average rank), as scikit-learn's roc_auc_score.
 *
 * @example
 * ```ts
 * auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) // 0.75
 * ```
 */
export function auc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = labels.length
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[a] ?? 0) - (scores[b] ?? 0))
  let positives = 0
  let rankSum = 0
  for (let start = 0; start < n; ) {
    let end = start
    while (end + 1 < n && scores[order[end + 1] ?? 0] === scores[order[start] ?? 0]) end++
    const averageRank = (start + end) / 2 + 1
    for (let k = start; k <= end; k++) {
      if (labels[order[k] ?? 0] === 1) {
        positives++
        rankSum += averageRank
      }
    }
    start = end + 1
  }
  const negatives = n - positives
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives)
}

/**
 * Root mean squared error.
 *
 * @example
 * ```ts
 * rmse([1, 2], [1, 4]) // 1.4142…
 * ```
 */
export function rmse(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  let sum = 0
  for (let i = 0; i < truth.length; i++) sum += ((truth[i] ?? 0) - (predicted[i] ?? 0)) ** 2
  return Math.sqrt(sum / truth.length)
}
