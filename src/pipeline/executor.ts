/**
 * @module Executors run jobs. The in-process one runs up to `concurrency` at once in this
 * process; a distributed executor (a job queue, later) implements the same interface.
 */
import { KeelError } from '../core/errors.js'

/** A unit of work: a pipeline step, a search trial, a batch partition. */
export interface Job<T> {
  /** Unique within a pipeline run: names the job in progress and errors. */
  readonly id: string
  run(): Promise<T>
}

export interface Executor {
  readonly kind: string
  /** Most jobs running at once. */
  readonly concurrency: number
  /** Runs the job when a slot is free; settles as the job does. */
  submit<T>(job: Job<T>): Promise<T>
}

/**
 * Runs jobs in this process, at most `concurrency` at a time, in submission order.
 *
 * @example
 * ```ts
 * const executor = inProcessExecutor({ concurrency: 2 })
 * const [a, b] = await Promise.all([executor.submit(jobA), executor.submit(jobB)])
 * ```
 */
export function inProcessExecutor(options: { readonly concurrency?: number } = {}): Executor {
  const concurrency = options.concurrency ?? 2
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new KeelError('PIPELINE_INVALID', `executor concurrency must be a positive integer; got ${concurrency}`)
  }
  let running = 0
  const waiting: (() => void)[] = []
  // a finishing job hands its slot straight to the next waiter, so no newcomer can slip in between
  const release = () => {
    const next = waiting.shift()
    if (next) next()
    else running--
  }
  return {
    kind: 'in-process',
    concurrency,
    async submit<T>(job: Job<T>): Promise<T> {
      if (running < concurrency) running++
      else await new Promise<void>((resolve) => waiting.push(resolve))
      try {
        return await job.run()
      } finally {
        release()
      }
    },
  }
}
