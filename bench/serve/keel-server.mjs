/**
 * @module Child process: Keel's server for the bench project, from the built package and run by
 * plain `node` (no tsx), as `keel serve` runs. Prints `{"url": …}` once it listens; on SIGTERM
 * closes (writing the rest of the prediction log) and prints what it logged.
 *
 * With KEEL_BENCH_DIAGNOSE=<folder>, each SIGUSR2 starts or stops a diagnosis window: a CPU
 * profile (written to <folder>/<n>.cpuprofile), event-loop delay, GC pauses and the time each
 * prediction-log write held the event loop; stopping prints them as one JSON line.
 *
 * Plain JavaScript on purpose: under tsx the same server answered about 5 % fewer requests.
 *
 * `node bench/serve/keel-server.mjs <project dir>`
 */
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { join } from 'node:path'
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks'
import { openProject, serve } from '../../dist/index.js'

const dir = process.argv[2]
if (dir === undefined) throw new Error('usage: keel-server.mjs <project dir>')
const project = await openProject(dir, { search: false })
const diagnose = process.env.KEEL_BENCH_DIAGNOSE
/** Duration and row count of each prediction-log write, flattened. */
const writes = []
if (diagnose !== undefined) {
  // time each prediction-log write (better-sqlite3 is synchronous: this is event-loop time)
  const metadata = project.metadata
  const write = metadata.logPredictions.bind(metadata)
  metadata.logPredictions = async (records) => {
    const started = performance.now()
    await write(records)
    writes.push(performance.now() - started, records.length)
  }
}
const server = await serve(project, { port: 0, host: '127.0.0.1' })
process.stdout.write(`${JSON.stringify({ url: server.url, pid: process.pid })}\n`)

let stopping = false
process.on('SIGTERM', () => {
  if (stopping) return
  stopping = true
  void (async () => {
    await server.close()
    const logged = server.log.written
    await project.close()
    process.stdout.write(`${JSON.stringify({ logged, rssMB: Math.round(process.memoryUsage().rss / 2 ** 20) })}\n`)
    process.exit(0)
  })()
})

if (diagnose !== undefined) {
  let window
  let n = 0
  const start = async () => {
    const session = new Session()
    session.connect()
    await session.post('Profiler.enable')
    await session.post('Profiler.setSamplingInterval', { interval: 250 })
    await session.post('Profiler.start')
    const delay = monitorEventLoopDelay({ resolution: 1 })
    delay.enable()
    const gc = []
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) gc.push(e.duration)
    })
    observer.observe({ entryTypes: ['gc'] })
    writes.length = 0
    window = { session, delay, gc, observer }
    process.stdout.write(`${JSON.stringify({ diagnosing: true })}\n`)
  }
  const stop = async (w) => {
    const { profile } = await w.session.post('Profiler.stop')
    w.session.disconnect()
    w.delay.disable()
    w.observer.disconnect()
    const file = join(diagnose, `${++n}.cpuprofile`)
    writeFileSync(file, JSON.stringify(profile))
    const ms = (ns) => ns / 1e6
    const sum = (xs) => xs.reduce((a, b) => a + b, 0)
    const sorted = [...w.gc].sort((a, b) => a - b)
    const durations = writes.filter((_, i) => i % 2 === 0)
    const rows = writes.filter((_, i) => i % 2 === 1)
    const diagnosis = {
      profile: file,
      eventLoopDelayMs: { p50: ms(w.delay.percentile(50)), p99: ms(w.delay.percentile(99)), max: ms(w.delay.max), mean: ms(w.delay.mean) },
      gc: { count: sorted.length, totalMs: sum(sorted), p99Ms: sorted[Math.floor(sorted.length * 0.99)] ?? 0, maxMs: sorted.at(-1) ?? 0 },
      logWrites: {
        count: durations.length,
        rows: sum(rows),
        totalMs: sum(durations),
        maxMs: Math.max(0, ...durations),
        meanMs: durations.length === 0 ? 0 : sum(durations) / durations.length,
      },
    }
    process.stdout.write(`${JSON.stringify(diagnosis)}\n`)
  }
  process.on('SIGUSR2', () => {
    const w = window
    window = undefined
    void (w === undefined ? start() : stop(w))
  })
}
