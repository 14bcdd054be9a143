/**
 * @module The prediction log: records buffered off the request path and written to the
 * metadata store in batches; `close()` writes what is left, so after a graceful shutdown the
 * logged count equals the answered count.
 */
import type { MetadataStore, PredictionRecord } from '../stores/metadata-store.js'

export interface PredictionLogOptions {
  /** Write when this many records wait (default 500). */
  readonly batchSize?: number
  /** …or this long after the first of them arrived (default 200 ms). */
  readonly flushMs?: number
  /** Told when a write fails; the records are kept and retried with the next write. */
  readonly onError?: (error: unknown) => void
}

export class PredictionLog {
  readonly #store: MetadataStore
  readonly #batchSize: number
  readonly #flushMs: number
  readonly #onError: (error: unknown) => void
  #pending: PredictionRecord[] = []
  #timer: NodeJS.Timeout | undefined
  #writing: Promise<void> = Promise.resolve()
  #written = 0

  constructor(store: MetadataStore, options: PredictionLogOptions = {}) {
    this.#store = store
    this.#batchSize = options.batchSize ?? 500
    this.#flushMs = options.flushMs ?? 200
    this.#onError = options.onError ?? (() => undefined)
  }

  /** Records waiting to be written. */
  get depth(): number {
    return this.#pending.length
  }

  /** Records written so far by this log. */
  get written(): number {
    return this.#written
  }

  append(record: PredictionRecord): void {
    this.#pending.push(record)
    if (this.#pending.length >= this.#batchSize) void this.flush()
    else this.#timer ??= setTimeout(() => void this.flush(), this.#flushMs)
  }

  /** Writes everything appended so far; resolves when it is stored. Writes never overlap. */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#writing = this.#writing.then(async () => {
      const batch = this.#pending
      if (batch.length === 0) return
      this.#pending = []
      try {
        await this.#store.logPredictions(batch)
        this.#written += batch.length
      } catch (error) {
        // put them back in front: a later flush retries, and close() reports what it could not write
        this.#pending = [...batch, ...this.#pending]
        this.#onError(error)
      }
    })
    return this.#writing
  }

  /** Writes what is left; call after the server stopped answering. */
  async close(): Promise<void> {
    await this.flush()
    if (this.#pending.length > 0) await this.flush()
  }
}
