/**
 * @module The server's Prometheus metrics, served as text on /metrics. The request path counts
 * in plain numbers ({@link CountCell}, {@link ObserveCell}); prom-client is given the counts when
 * it collects, at a scrape, so no request pays for its label hashing and validation.
 */
import { Counter, Gauge, Histogram, type LabelValues, Registry } from 'prom-client'

export interface ServeMetrics {
  readonly registry: Registry
  readonly requests: Counter<'deployment' | 'model' | 'version' | 'route' | 'status'>
  readonly latency: Histogram<'deployment' | 'model' | 'version' | 'route'>
  readonly predictions: Counter<'deployment' | 'model' | 'version' | 'alias'>
  readonly errors: Counter<'deployment' | 'kind'>
  readonly fallbacks: Counter<'deployment' | 'reason'>
  readonly shadowDisagreements: Counter<'deployment' | 'alias'>
  readonly shadowPredictions: Counter<'deployment' | 'alias'>
  readonly logQueue: Gauge
  readonly swaps: Counter<'deployment' | 'alias' | 'outcome'>
  readonly actions: Counter<'deployment' | 'outcome'>
  /** A child of a counter above, counted in a plain number until the next scrape. */
  countCell<L extends string>(counter: Counter<L>, labels: LabelValues<L>): CountCell
  /** A child of a histogram above, tallied in plain numbers until the next scrape. */
  observeCell<L extends string>(histogram: Histogram<L>, labels: LabelValues<L>): ObserveCell
}

/** Add to `n`; the count reaches prom-client at the next scrape (or `get()`). */
export interface CountCell {
  n: number
}

export interface ObserveCell {
  observe(value: number): void
}

/** What each metric hands over to prom-client when it collects. */
type Flushes = Map<object, (() => void)[]>

/** A private registry per server, so two servers in one process never share counts. */
export function serveMetrics(queueDepth: () => number): ServeMetrics {
  const registry = new Registry()
  const flushes: Flushes = new Map()
  const labels = <T extends string>(names: T[]) => ({
    labelNames: names,
    registers: [registry],
    collect(this: object) {
      for (const flush of flushes.get(this) ?? []) flush()
    },
  })
  const onCollect = (metric: object, flush: () => void) => {
    const list = flushes.get(metric)
    if (list) list.push(flush)
    else flushes.set(metric, [flush])
  }
  return {
    registry,
    requests: new Counter({
      name: 'keel_requests_total',
      help: 'Requests by deployment, model version, route and status code',
      ...labels(['deployment', 'model', 'version', 'route', 'status']),
    }),
    latency: new Histogram({
      name: 'keel_request_duration_seconds',
      help: 'Request latency',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      ...labels(['deployment', 'model', 'version', 'route']),
    }),
    predictions: new Counter({ name: 'keel_predictions_total', help: 'Instances predicted', ...labels(['deployment', 'model', 'version', 'alias']) }),
    errors: new Counter({ name: 'keel_errors_total', help: 'Model errors and timeouts', ...labels(['deployment', 'kind']) }),
    fallbacks: new Counter({
      name: 'keel_fallbacks_total',
      help: 'Requests answered by the fallback, in whole or (missing online features) in part',
      ...labels(['deployment', 'reason']),
    }),
    shadowPredictions: new Counter({
      name: 'keel_shadow_predictions_total',
      help: 'Instances predicted by shadow versions',
      ...labels(['deployment', 'alias']),
    }),
    shadowDisagreements: new Counter({
      name: 'keel_shadow_disagreements_total',
      help: 'Instances where a shadow version predicted a different label (or value) than the answer',
      ...labels(['deployment', 'alias']),
    }),
    logQueue: new Gauge({
      name: 'keel_prediction_log_queue_depth',
      help: 'Predictions waiting to be written to the log',
      registers: [registry],
      collect() {
        this.set(queueDepth())
      },
    }),
    swaps: new Counter({ name: 'keel_model_swaps_total', help: 'Model versions swapped in or refused', ...labels(['deployment', 'alias', 'outcome']) }),
    actions: new Counter({
      name: 'keel_action_deliveries_total',
      help: 'Webhook deliveries of decision rules: delivered, failed or dropped',
      ...labels(['deployment', 'outcome']),
    }),
    countCell(counter, values) {
      const cell: CountCell = { n: 0 }
      onCollect(counter, () => {
        if (cell.n === 0) return
        counter.inc(values, cell.n)
        cell.n = 0
      })
      return cell
    },
    observeCell(histogram, values) {
      const cell = new HistogramTally(histogram, values)
      onCollect(histogram, () => cell.flush())
      return cell
    },
  }
}

/** prom-client's per-label-set histogram state (`zero()` creates it; not in its typings). */
interface HistogramEntry {
  readonly labels: Record<string, unknown>
  readonly bucketValues: Record<number, number>
  sum: number
  count: number
}

/**
 * Observations of one label set, counted per bucket and added to prom-client's own entry for
 * that label set when it collects. Should that entry not have the expected shape (another
 * prom-client version), each value goes to `observe` as before.
 */
class HistogramTally<L extends string> implements ObserveCell {
  readonly #histogram: Histogram<L>
  readonly #labels: LabelValues<L>
  readonly #bounds: readonly number[]
  /** Observations per bucket (`value <= bound`); the last slot holds those above every bound. */
  readonly #counts: Float64Array
  #sum = 0
  #count = 0
  readonly #direct: boolean

  constructor(histogram: Histogram<L>, labels: LabelValues<L>) {
    this.#histogram = histogram
    this.#labels = labels
    const entry = this.#entry()
    this.#bounds = entry
      ? Object.keys(entry.bucketValues)
          .map(Number)
          .sort((a, b) => a - b)
      : []
    this.#direct = entry === undefined || this.#bounds.some((b) => !Number.isFinite(b))
    this.#counts = new Float64Array(this.#bounds.length + 1)
  }

  observe(value: number): void {
    if (this.#direct || !Number.isFinite(value)) {
      this.#histogram.observe(this.#labels, value)
      return
    }
    const bounds = this.#bounds
    let i = 0
    while (i < bounds.length && value > (bounds[i] as number)) i++
    this.#counts[i] = (this.#counts[i] as number) + 1
    this.#sum += value
    this.#count++
  }

  flush(): void {
    if (this.#count === 0) return
    const entry = this.#entry()
    if (entry === undefined) return
    for (let i = 0; i < this.#bounds.length; i++) {
      const bound = this.#bounds[i] as number
      entry.bucketValues[bound] = (entry.bucketValues[bound] ?? 0) + (this.#counts[i] as number)
    }
    entry.sum += this.#sum
    entry.count += this.#count
    this.#counts.fill(0)
    this.#sum = 0
    this.#count = 0
  }

  /** prom-client's entry for these labels, made (at zero) when there is none yet. */
  #entry(): HistogramEntry | undefined {
    const find = () =>
      Object.values((this.#histogram as unknown as { hashMap?: Record<string, HistogramEntry> }).hashMap ?? {}).find((e) => sameLabels(e.labels, this.#labels))
    let entry = find()
    if (entry === undefined) {
      this.#histogram.zero(this.#labels)
      entry = find()
    }
    return entry !== undefined && typeof entry.bucketValues === 'object' && typeof entry.count === 'number' ? entry : undefined
  }
}

function sameLabels(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((k) => String(a[k]) === String(b[k]))
}

/**
 * One value per key path of four, made on first use: the metric children of a label set are
 * found by map lookups on values the server already holds, not by a key string built per request.
 *
 * @example
 * ```ts
 * const requests = new LabelCache((d: string, v: number, route: string, status: number) => counter.labels({ … }))
 * requests.get('churn', 3, 'v1.predict', 200).inc()
 * ```
 */
export class LabelCache<A, B, C, D, V> {
  readonly #root = new Map<A, Map<B, Map<C, Map<D, V>>>>()
  readonly #make: (a: A, b: B, c: C, d: D) => V

  constructor(make: (a: A, b: B, c: C, d: D) => V) {
    this.#make = make
  }

  get(a: A, b: B, c: C, d: D): V {
    const byB = entry(this.#root, a, () => new Map<B, Map<C, Map<D, V>>>())
    const byC = entry(byB, b, () => new Map<C, Map<D, V>>())
    const byD = entry(byC, c, () => new Map<D, V>())
    return entry(byD, d, () => this.#make(a, b, c, d))
  }
}

function entry<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key)
  if (value === undefined) {
    value = make()
    map.set(key, value)
  }
  return value
}
