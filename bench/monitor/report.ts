/**
 * @module The drift benchmark's checks and summary: do Keel's scores match scipy's, column by
 * column, and the Markdown table of seconds, peak memory and ratios.
 */
import type { Outcome } from './children.js'

/** Scores must match scipy's within this, absolutely (relatively for magnitudes above 1, such as χ²). */
export const TOLERANCE = 1e-6

interface Score {
  readonly test: string
  readonly statistic: number
  readonly pValue?: number
}

type Scores = Readonly<Record<string, Score>>

export interface Agreement {
  readonly tolerance: number
  readonly agree: boolean
  readonly compared: number
  /** Largest |Keel − scipy| / max(1, |scipy|) over every score compared. */
  readonly maxDifference: number
  readonly disagreements: readonly string[]
  readonly columns: readonly Record<string, unknown>[]
}

const difference = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.max(1, Math.abs(b)))

/** The end-to-end pass's per-column scores, in the shape the workers print. */
export function passScores(pass: Outcome): Scores {
  const columns = ((pass.result as { drift?: { columns?: (Score & { column: string })[] } } | undefined)?.drift?.columns ?? []) as (Score & {
    column: string
  })[]
  return Object.fromEntries(columns.map((c) => [c.column, { test: c.test, statistic: c.statistic }]))
}

/**
 * Compares Keel's scores with scipy's: every column of each pair, same test, statistic (and
 * p-value) within {@link TOLERANCE}.
 *
 * @example
 * ```ts
 * agreement([['keel monitor run', passScores(pass), scipy.defaults]]) // { agree: true, maxDifference: 2e-15, … }
 * ```
 */
export function agreement(pairs: readonly (readonly [string, Scores, Scores])[]): Agreement {
  const disagreements: string[] = []
  const columns: Record<string, unknown>[] = []
  let maxDifference = 0
  let compared = 0
  for (const [label, keel, scipy] of pairs) {
    for (const [column, peer] of Object.entries(scipy)) {
      const mine = keel[column]
      if (mine === undefined || mine.test !== peer.test) {
        disagreements.push(`${label} ${column}: test ${mine?.test ?? 'missing'} vs scipy ${peer.test}`)
        continue
      }
      const statistic = difference(mine.statistic, peer.statistic)
      const pValue = peer.pValue === undefined ? 0 : difference(mine.pValue ?? Number.NaN, peer.pValue)
      const worst = Math.max(statistic, pValue)
      compared++
      if (!(worst <= TOLERANCE)) disagreements.push(`${label} ${column} (${peer.test}): Keel ${JSON.stringify(mine)} vs scipy ${JSON.stringify(peer)}`)
      else maxDifference = Math.max(maxDifference, worst)
      columns.push({ pass: label, column, test: peer.test, keel: mine, scipy: peer, difference: worst })
    }
  }
  return { tolerance: TOLERANCE, agree: disagreements.length === 0 && compared > 0, compared, maxDifference, disagreements, columns }
}

const fmt = (n: unknown, digits = 2) => (typeof n === 'number' ? n.toLocaleString('en-US', { maximumFractionDigits: digits }) : '–')
const ratio = (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' && b > 0 ? `${fmt(a / b, 2)}×` : '–')

type Open<T> = T & Readonly<Record<string, unknown>>

export interface DriftReport {
  readonly date: string
  readonly machine: Open<{ readonly cores: number; readonly cpu: string; readonly loadBefore: number; readonly loadAfter: number }>
  readonly versions: Readonly<Record<string, unknown>>
  readonly data: Open<{ readonly referenceRows: number; readonly windowRows: number; readonly numeric: number; readonly categorical: number }>
  readonly setup: Outcome
  readonly pass: Outcome
  readonly reads: Outcome
  readonly stats: Outcome
  readonly scipy: Outcome
  readonly agreement: Agreement
  readonly build: Open<{ readonly sourceNewerThanBuild: readonly string[] }>
}

/** The short summary committed as bench/results/drift.md. */
export function markdown(r: DriftReport): string {
  const { pass, stats, scipy, setup, reads } = r
  const scipyAll = typeof scipy.loadSeconds === 'number' && typeof scipy.defaultSeconds === 'number' ? scipy.loadSeconds + scipy.defaultSeconds : undefined
  const columnReads = (reads.windowColumnSeconds ?? {}) as Record<string, number>
  const a = r.agreement
  return [
    '# Drift benchmark',
    '',
    `Run ${r.date} on ${r.machine.cores} cores (${r.machine.cpu}); load average ${fmt(r.machine.loadBefore)} before, ${fmt(r.machine.loadAfter)} after. Command: \`npm run bench:drift\`.`,
    `Versions: node ${r.versions.node}, SQLite ${r.versions.sqlite}; python ${r.versions.python}, numpy ${r.versions.numpy}, scipy ${r.versions.scipy}.`,
    '',
    `A drift pass over ${fmt(r.data.windowRows, 0)} logged predictions × ${r.data.numeric + r.data.categorical} features (${r.data.numeric} numeric, ${r.data.categorical} categorical)`,
    `against a reference of ${fmt(r.data.referenceRows, 0)} rows, with Evidently's defaults for a reference above 1,000 rows: Wasserstein / std (numeric) and`,
    'Jensen–Shannon (categorical); a second pass with KS and χ² on the same columns. Generated, seeded data with drift in 5 columns. Each line is its own process;',
    'peak RSS is that whole process. scipy reads the same values from binary files (its load is the second time in its row, not in the ratio).',
    '',
    '| | seconds | peak RSS MB | time vs scipy | memory vs scipy |',
    '| --- | --- | --- | --- | --- |',
    `| \`keel monitor run\`: SQLite prediction log → 20 columns → defaults, end to end | ${fmt(pass.seconds)} | ${fmt(pass.peakRssMB, 0)} | ${ratio(pass.seconds, scipyAll)} of load + defaults | ${ratio(pass.peakRssMB, scipy.peakRssMB)} |`,
    `| Keel \`driftPass\` in memory, defaults | ${fmt(stats.defaultSeconds)} | ${fmt(stats.peakRssMB, 0)} | ${ratio(stats.defaultSeconds, scipy.defaultSeconds)} | ${ratio(stats.peakRssMB, scipy.peakRssMB)} |`,
    `| scipy, defaults | ${fmt(scipy.defaultSeconds)} (load ${fmt(scipy.loadSeconds)}) | ${fmt(scipy.peakRssMB, 0)} | 1× | 1× |`,
    `| Keel \`driftPass\` in memory, KS + χ² | ${fmt(stats.pValueSeconds)} | (same process) | ${ratio(stats.pValueSeconds, scipy.pValueSeconds)} | |`,
    `| scipy, KS + χ² | ${fmt(scipy.pValueSeconds)} | (same process) | 1× | |`,
    '',
    `Where the pass's time goes: reading the window's rows (ids, outputs, latencies, labels) ${fmt(reads.windowRowsSeconds)} s; reading all`,
    `${r.data.numeric + r.data.categorical} features out of the logged JSON in one scan ${fmt(reads.windowInputsSeconds)} s (one feature column alone, as the HTML report reads them: ${Object.entries(
      columnReads,
    )
      .map(([c, s]) => `${c} ${fmt(s)} s`)
      .join(', ')}); the statistics ${fmt(stats.defaultSeconds)} s.`,
    `Setup, not timed in the pass: training the linear model on the reference ${fmt(setup.trainSeconds)} s; logging the ${fmt(r.data.windowRows, 0)} predictions`,
    `(\`logPredictions\`, batches of 10,000) ${fmt(setup.insertSeconds)} s; the reference profile (once per model version) ${fmt(setup.referenceSeconds)} s; database ${fmt(setup.databaseMB, 0)} MB.`,
    '',
    a.agree
      ? `Agreement: all ${a.compared} scores (end-to-end and in-memory defaults, KS and χ² statistics and p-values) match scipy within ${a.tolerance} (largest difference ${a.maxDifference.toExponential(1)}).`
      : `Agreement: **${a.disagreements.length} of ${a.compared + a.disagreements.length} scores differ from scipy by more than ${a.tolerance}**: ${a.disagreements.slice(0, 3).join('; ')}.`,
    ...(r.build.sourceNewerThanBuild.length > 0
      ? ['', `Note: ${r.build.sourceNewerThanBuild.length} source file(s) were newer than dist/ when this ran; \`keel monitor run\` measures dist/.`]
      : []),
    '',
  ].join('\n')
}
