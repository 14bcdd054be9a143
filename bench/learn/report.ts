/**
 * @module Ratios of Keel against its peers, and the Markdown summary of a benchmark run.
 */
import type { Outcome } from './children.js'
import type { Dataset } from './data.js'

export interface DatasetResult {
  readonly dataset: Dataset
  readonly outcomes: readonly Outcome[]
  readonly comparisons: readonly Comparison[]
}

export interface Comparison {
  readonly keel: string
  readonly peer: string
  /** Keel's time over the peer's: below 1 means Keel is faster. */
  readonly fitRatio: number | null
  readonly predictRatio: number | null
  readonly peakRssRatio: number | null
  /** Keel's AUC or RMSE minus the peer's. */
  readonly metricDifference: number | null
}

export interface BenchReport {
  readonly date: string
  readonly machine: Record<string, string | number>
  readonly versions: Record<string, unknown>
  readonly commands: readonly string[]
  readonly datasets: readonly DatasetResult[]
  readonly reader: Outcome
  readonly scale: Outcome
  readonly notes: readonly string[]
}

const PAIRS: readonly (readonly [string, string])[] = [
  ['gbdt', 'xgboost-1'],
  ['gbdt-2', 'xgboost-2'],
  ['gbdt', 'sklearn-hgb'],
  ['forest', 'sklearn-rf'],
  ['logistic', 'sklearn-logistic'],
]

function num(o: Outcome | undefined, key: string): number | null {
  const v = o?.available ? o[key] : undefined
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}

function ratio(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : a / b
}

/**
 * Keel-over-peer ratios for every pair whose both sides ran.
 *
 * @example
 * ```ts
 * compare(outcomes, 'auc') // [{ keel: 'gbdt', peer: 'xgboost-1', fitRatio: 4.2, predictRatio: 3.3, metricDifference: -0.0009, … }, …]
 * ```
 */
export function compare(outcomes: readonly Outcome[], metric: 'auc' | 'rmse'): Comparison[] {
  const by = new Map(outcomes.map((o) => [o.learner, o]))
  return PAIRS.filter(([k, p]) => by.get(k)?.available && by.get(p)?.available).map(([keel, peer]) => {
    const k = by.get(keel)
    const p = by.get(peer)
    const km = num(k, metric)
    const pm = num(p, metric)
    return {
      keel,
      peer,
      fitRatio: ratio(num(k, 'fitSeconds'), num(p, 'fitSeconds')),
      predictRatio: ratio(num(k, 'predictSeconds'), num(p, 'predictSeconds')),
      peakRssRatio: ratio(num(k, 'peakRssMB'), num(p, 'peakRssMB')),
      metricDifference: km === null || pm === null ? null : km - pm,
    }
  })
}

function fmt(v: unknown, digits = 2): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '–'
}

function outcomeRow(o: Outcome, metric: string): string {
  if (!o.available) return `| ${o.learner} | not available: ${o.reason ?? 'unknown'} | | | | |`
  const latency = typeof o.singleRowMedianMicros === 'number' ? fmt(o.singleRowMedianMicros, 0) : '–'
  return `| ${o.learner} | ${fmt(o.fitSeconds)} | ${fmt(o.predictSeconds, 3)} | ${fmt(o[metric], 4)} | ${fmt(o.peakRssMB, 0)} | ${latency} |`
}

function datasetSection(r: DatasetResult): string[] {
  const metric = r.dataset.task === 'binary' ? 'auc' : 'rmse'
  const lines = [
    `### ${r.dataset.name} (${r.dataset.task}, ${r.dataset.trainRows.toLocaleString('en')} train / ${r.dataset.testRows.toLocaleString('en')} test rows)`,
    '',
    `${r.dataset.description}. Source: ${r.dataset.source}.`,
    '',
    `| learner | fit s | predict 100k rows s | test ${metric.toUpperCase()} | peak RSS MB | 1-row predict µs (median) |`,
    '| --- | --- | --- | --- | --- | --- |',
    ...r.outcomes.map((o) => outcomeRow(o, metric)),
    '',
  ]
  if (r.comparisons.length === 0) return lines
  return [
    ...lines,
    `| Keel / peer | fit time | predict time | peak RSS | ${metric.toUpperCase()} Keel − peer |`,
    '| --- | --- | --- | --- | --- |',
    ...r.comparisons.map(
      (c) => `| ${c.keel} / ${c.peer} | ${fmt(c.fitRatio)}× | ${fmt(c.predictRatio)}× | ${fmt(c.peakRssRatio)}× | ${fmt(c.metricDifference, 4)} |`,
    ),
    '',
  ]
}

/**
 * The committed Markdown summary of a run.
 *
 * @example
 * ```ts
 * writeFileSync('bench/results/learn.md', markdown(report))
 * ```
 */
export function markdown(report: BenchReport): string {
  const machine = Object.entries(report.machine).map(([k, v]) => `${k}: ${v}`)
  const versions = Object.entries(report.versions).map(([k, v]) => `${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`)
  const { reader, scale } = report
  return [
    '# Learning benchmark',
    '',
    `Run ${report.date}. Machine: ${machine.join('; ')}.`,
    `Versions: ${versions.join('; ')}.`,
    '',
    'Commands:',
    '',
    '```sh',
    ...report.commands,
    '```',
    '',
    'Every learner gets the same split files and 100 trees, depth 6, learning rate 0.1, 256 bins (boosting); forests 100 trees of depth 12;',
    'logistic regression C = 1. Times are wall-clock seconds of one run; peak RSS is the whole process (data loading included).',
    '',
    ...report.datasets.flatMap(datasetSection),
    '### Keel at scale (generated data)',
    '',
    `- readFrame of a 1M-row × 20-numeric-column CSV (+ label): ${reader.available ? `${fmt(reader.seconds)} s, peak RSS ${fmt(reader.peakRssMB, 0)} MB` : `failed: ${reader.reason}`}`,
    `- GBDT (100 trees, depth 6) on 1M rows × 20 numeric features: ${scale.available ? `fit ${fmt(scale.fitSeconds)} s, peak RSS ${fmt(scale.peakRssMB, 0)} MB (${fmt(scale.afterReadMB, 0)} MB after reading the data)` : `not available: ${scale.reason}`}`,
    '',
    ...report.notes.map((n) => `- ${n}`),
    '',
  ].join('\n')
}
