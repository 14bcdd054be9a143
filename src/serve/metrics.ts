/** @module The server's Prometheus metrics, served as text on /metrics. */
import { Counter, Gauge, Histogram, Registry } from 'prom-client'

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
}

/** A private registry per server, so two servers in one process never share counts. */
export function serveMetrics(queueDepth: () => number): ServeMetrics {
  const registry = new Registry()
  const labels = <T extends string>(names: T[]) => ({ labelNames: names, registers: [registry] })
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
    fallbacks: new Counter({ name: 'keel_fallbacks_total', help: 'Requests answered by the fallback', ...labels(['deployment', 'reason']) }),
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
  }
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
