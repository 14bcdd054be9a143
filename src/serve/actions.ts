/**
 * @module Actions on predictions: when a decision rule matches, a JSON payload is POSTed to a
 * webhook off the request path, retried with exponential backoff on network errors, 429 and
 * 5xx, and given up on other 4xx answers.
 */

export interface WebhookDelivery {
  readonly url: string
  readonly payload: unknown
  /** Labels the outcome in metrics and events. */
  readonly deployment: string
}

export type DeliveryOutcome = 'delivered' | 'failed' | 'dropped'

export interface DispatcherOptions {
  /** Attempts per delivery (default 5). */
  readonly attempts?: number
  /** First retry delay; doubled each time (default 250 ms). */
  readonly backoffMs?: number
  /** Time limit of one attempt (default 5000 ms). */
  readonly timeoutMs?: number
  /** Deliveries in flight at once (default 4). */
  readonly concurrency?: number
  readonly onOutcome?: (delivery: WebhookDelivery, outcome: DeliveryOutcome, attempts: number, detail: string) => void
}

/**
 * Delivers webhooks in the background.
 *
 * @example
 * ```ts
 * const dispatcher = new WebhookDispatcher({ attempts: 5 })
 * dispatcher.send({ url: 'http://127.0.0.1:9000/hook', payload: { p: 0.97 }, deployment: 'churn' })
 * await dispatcher.close(5000)
 * ```
 */
export class WebhookDispatcher {
  readonly #attempts: number
  readonly #backoffMs: number
  readonly #timeoutMs: number
  readonly #concurrency: number
  readonly #onOutcome: NonNullable<DispatcherOptions['onOutcome']>
  readonly #queue: WebhookDelivery[] = []
  readonly #inFlight = new Set<Promise<void>>()
  readonly #stop = new AbortController()

  constructor(options: DispatcherOptions = {}) {
    this.#attempts = options.attempts ?? 5
    this.#backoffMs = options.backoffMs ?? 250
    this.#timeoutMs = options.timeoutMs ?? 5000
    this.#concurrency = options.concurrency ?? 4
    this.#onOutcome = options.onOutcome ?? (() => undefined)
  }

  /** Deliveries waiting or in flight. */
  get pending(): number {
    return this.#queue.length + this.#inFlight.size
  }

  send(delivery: WebhookDelivery): void {
    if (this.#stop.signal.aborted) {
      this.#onOutcome(delivery, 'dropped', 0, 'the server is shutting down')
      return
    }
    this.#queue.push(delivery)
    this.#pump()
  }

  #pump(): void {
    while (this.#inFlight.size < this.#concurrency && this.#queue.length > 0) {
      const delivery = this.#queue.shift() as WebhookDelivery
      const running = this.#deliver(delivery).finally(() => {
        this.#inFlight.delete(running)
        this.#pump()
      })
      this.#inFlight.add(running)
    }
  }

  async #deliver(delivery: WebhookDelivery): Promise<void> {
    let detail = ''
    for (let attempt = 1; attempt <= this.#attempts; attempt++) {
      if (this.#stop.signal.aborted) return this.#onOutcome(delivery, 'dropped', attempt - 1, 'the server is shutting down')
      try {
        const res = await fetch(delivery.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'keel-webhook' },
          body: JSON.stringify(delivery.payload),
          signal: AbortSignal.any([AbortSignal.timeout(this.#timeoutMs), this.#stop.signal]),
        })
        await res.arrayBuffer().catch(() => undefined)
        if (res.ok) return this.#onOutcome(delivery, 'delivered', attempt, `HTTP ${res.status}`)
        detail = `HTTP ${res.status}`
        // the receiver refused this payload: sending it again cannot help
        if (res.status < 500 && res.status !== 429) return this.#onOutcome(delivery, 'failed', attempt, detail)
      } catch (error) {
        detail = (error as Error).message
      }
      if (attempt < this.#attempts) await sleep(this.#backoffMs * 2 ** (attempt - 1), this.#stop.signal)
    }
    this.#onOutcome(delivery, 'failed', this.#attempts, detail)
  }

  /** Waits up to `graceMs` for pending deliveries, then drops the rest. */
  async close(graceMs = 5000): Promise<void> {
    const deadline = Date.now() + graceMs
    while (this.pending > 0 && Date.now() < deadline) await sleep(20)
    this.#stop.abort()
    for (const d of this.#queue.splice(0)) this.#onOutcome(d, 'dropped', 0, 'the server shut down first')
    await Promise.allSettled([...this.#inFlight])
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}
