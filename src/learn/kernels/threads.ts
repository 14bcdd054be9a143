/** @module Worker threads that run the tree kernels on an arena's shared memory, called synchronously. */
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads'
import { KeelError } from '../../core/errors.js'
import type { KernelArena, TreeKernels } from './arena.js'

/** Kernels a worker may run, by index in the control block. */
const KERNELS = [
  'histogramRows',
  'assignLeaves',
  'partition',
  'binaryGradients',
  'squaredGradients',
  'addLeafValues',
] as const satisfies readonly (keyof TreeKernels)[]
export type ThreadKernel = (typeof KERNELS)[number]

// Control block per worker (int32 slots): the job number the caller posted, the job number the
// worker finished, a failure flag, how many calls the job holds, then per call the kernel and
// up to eight arguments. A call's kernel index BIND makes the worker take the memory and
// module waiting on its port (or drop its current ones, when none waits).
const POSTED = 0
const DONE = 1
const FAILED = 2
const CALLS = 3
const HEADER = 4
const CALL_SLOTS = 9
const MAX_CALLS = 4
const SLOTS = HEADER + MAX_CALLS * CALL_SLOTS
const BIND = -1
// Going to sleep and being woken costs tens of microseconds on a virtual machine (an interrupt
// between cores), so short waits spin. The caller waits for shares as long as its own, so it spins
// longer; an idle worker spins only briefly, since between histograms the caller runs serial work
// that a spinning core would slow down where cores share execution units or memory bandwidth.
const CALLER_SPIN_MS = 1
const WORKER_SPIN_MS = 0.05
// A job is a few kernel calls of at most tens of milliseconds; a minute without an answer means the worker is gone.
const STALL_MS = 60_000

// A CommonJS script, so the worker needs no file on disk and no loader (tests run Keel from TypeScript sources).
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads')
const { control, port, kernels: names } = workerData
const ctl = new Int32Array(control)
let kernels = null
let seen = 0
for (;;) {
  const spinUntil = performance.now() + ${WORKER_SPIN_MS}
  while (Atomics.load(ctl, ${POSTED}) === seen && performance.now() < spinUntil) {}
  Atomics.wait(ctl, ${POSTED}, seen)
  seen = Atomics.load(ctl, ${POSTED})
  try {
    for (let c = 0, at = ${HEADER}; c < ctl[${CALLS}]; c++, at += ${CALL_SLOTS}) {
      if (ctl[at] === ${BIND}) {
        const message = receiveMessageOnPort(port)
        kernels = message ? new WebAssembly.Instance(message.message.module, { env: { memory: message.message.memory } }).exports : null
        continue
      }
      kernels[names[ctl[at]]](ctl[at + 1], ctl[at + 2], ctl[at + 3], ctl[at + 4], ctl[at + 5], ctl[at + 6], ctl[at + 7], ctl[at + 8])
    }
  } catch {
    ctl[${FAILED}] = 1
  }
  Atomics.store(ctl, ${DONE}, seen)
  Atomics.notify(ctl, ${DONE})
}
`

/** One kernel call a worker makes: the kernel's name and its arguments (addresses and counts). */
export type KernelCall = readonly [kernel: ThreadKernel, ...args: number[]]

interface PooledWorker {
  readonly worker: Worker
  readonly control: Int32Array
  readonly port: MessagePort
}

// Workers outlive fits: starting one takes tens of milliseconds, and its optimized kernel code
// is kept from fit to fit. They are unref'd, so they never keep the process alive.
const pool: PooledWorker[] = []

function spawn(): PooledWorker {
  const control = new Int32Array(new SharedArrayBuffer(SLOTS * 4))
  const { port1, port2 } = new MessageChannel()
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    // the parent's flags (a TypeScript loader, say) would only slow the worker's start
    execArgv: [],
    workerData: { control: control.buffer, port: port2, kernels: KERNELS },
    transferList: [port2],
  })
  worker.unref()
  port1.unref()
  const pooled = { worker, control, port: port1 }
  // a worker that dies (it should not) leaves the pool; its current caller gets a stall error
  worker.on('exit', () => {
    const at = pool.indexOf(pooled)
    if (at >= 0) pool.splice(at, 1)
  })
  return pooled
}

/**
 * `count` worker threads running the kernels on one arena's memory. The calling thread
 * posts kernel calls to a worker, does its own share, then waits: fitting stays a
 * synchronous function while the kernels run on several cores. `release()` when done.
 */
export class KernelThreads {
  readonly #workers: PooledWorker[]

  constructor(arena: KernelArena, count: number) {
    while (pool.length < count) pool.push(spawn())
    this.#workers = pool.slice(0, count)
    for (const w of this.#workers) w.port.postMessage({ module: arena.module, memory: arena.memory })
    this.#all([[BIND]])
  }

  get count(): number {
    return this.#workers.length
  }

  /** Starts `calls` (at most four, run in order) on worker `w`; `wait(w)` blocks until they are done. */
  post(w: number, calls: readonly KernelCall[]): void {
    this.#post(
      w,
      calls.map(([kernel, ...args]) => [KERNELS.indexOf(kernel), ...args]),
    )
  }

  #post(w: number, calls: readonly (readonly number[])[]): void {
    if (calls.length > MAX_CALLS) throw new KeelError('INTERNAL', `a worker job holds at most ${MAX_CALLS} kernel calls; got ${calls.length}`)
    const ctl = (this.#workers[w] as PooledWorker).control
    ctl[FAILED] = 0
    ctl[CALLS] = calls.length
    calls.forEach((call, c) => {
      ctl.set(call, HEADER + c * CALL_SLOTS)
    })
    Atomics.add(ctl, POSTED, 1)
    Atomics.notify(ctl, POSTED)
  }

  /** Blocks until worker `w` has finished the job it was last posted. */
  wait(w: number): void {
    const ctl = (this.#workers[w] as PooledWorker).control
    const posted = Atomics.load(ctl, POSTED)
    const spinUntil = performance.now() + CALLER_SPIN_MS
    while (Atomics.load(ctl, DONE) !== posted && performance.now() < spinUntil) {}
    let done = Atomics.load(ctl, DONE)
    while (done !== posted) {
      if (Atomics.wait(ctl, DONE, done, STALL_MS) === 'timed-out' && Atomics.load(ctl, DONE) === done) {
        throw new KeelError('INTERNAL', `tree kernel worker ${w} did not answer within ${STALL_MS / 1000} s`)
      }
      done = Atomics.load(ctl, DONE)
    }
    if (ctl[FAILED] === 1) throw new KeelError('INTERNAL', `a tree kernel failed in worker ${w}`)
  }

  /** Lets the workers drop this arena's memory (they stay in the pool for the next fit). */
  release(): void {
    this.#all([[BIND]])
  }

  #all(calls: readonly (readonly number[])[]): void {
    for (let w = 0; w < this.#workers.length; w++) this.#post(w, calls)
    for (let w = 0; w < this.#workers.length; w++) this.wait(w)
  }
}

// Below this many rows per thread, handing rows to a worker costs more than it saves.
const SPREAD_MIN_ROWS = 16_384

/**
 * Runs a row-by-row kernel over `n` rows, cut into one contiguous share per thread (the
 * caller takes the first); `call(from, count)` makes the call for one share. Each row's
 * result depends on that row alone, so the output is the same for any number of threads.
 */
export function spread(arena: KernelArena, threads: KernelThreads | null, n: number, call: (from: number, count: number) => KernelCall): void {
  const team = threads ? Math.min(threads.count + 1, Math.max(1, Math.floor(n / SPREAD_MIN_ROWS))) : 1
  const share = Math.ceil(n / team)
  for (let w = 1; w < team; w++) {
    const from = Math.min(n, w * share)
    threads?.post(w - 1, [call(from, Math.min(n, from + share) - from)])
  }
  const [kernel, ...args] = call(0, Math.min(n, share))
  ;(arena.kernels[kernel] as (...a: number[]) => unknown)(...args)
  for (let w = 1; w < team; w++) threads?.wait(w - 1)
}
