/**
 * @module Child process: the CPU cost of each step Keel's server takes per prediction, measured
 * one at a time in a loop (process CPU time, so other work on a shared machine distorts it
 * less than wall time). It uses the server's own objects (runtime, predictor, metrics,
 * prediction log) from the built package, but no HTTP, so the sum is what Keel adds on top of
 * a bare route. Plain JavaScript run by `node`, like the servers. Prints one JSON line:
 * microseconds per request for each step.
 *
 * Steps measured alone run hot; in the server they share caches and the JIT with everything
 * else, so read this beside the profile, not instead of it.
 *
 * `node bench/serve/parts.mjs <project dir>`
 */
import { sha256 } from '../../dist/core/hash.js'
import { newId } from '../../dist/core/ids.js'
import { openProject, serve } from '../../dist/index.js'
import { predictRowsWithin } from '../../dist/serve/predictor.js'
import { instancesToFrame } from '../../dist/serve/signature.js'

const N = 20_000
const DEPLOYMENT = 'churn'

/**
 * CPU microseconds per call of `step`, best of three passes of N calls (after one warm-up pass).
 * Each step gets a loop of its own (a new function), so V8's feedback from one step's calls
 * does not carry into the next one's. A synchronous step is looped synchronously: run inside
 * one long async loop, V8 optimised some steps (instancesToFrame) several times worse than
 * when the server calls them, once per request.
 */
async function cost(step, { async = false } = {}) {
  const sync = !async && !(step(0) instanceof Promise)
  const loop = sync
    ? new Function('step', 'n', 'for (let i = 0; i < n; i++) step(i)')
    : new Function('step', 'n', 'return (async () => { for (let i = 0; i < n; i++) { const r = step(i); if (r instanceof Promise) await r } })()')
  const pass = async () => {
    const before = process.cpuUsage()
    await loop(step, N)
    const used = process.cpuUsage(before)
    return (used.user + used.system) / N
  }
  await pass()
  return Math.min(await pass(), await pass(), await pass())
}

const dir = process.argv[2]
if (dir === undefined) throw new Error('usage: parts.mjs <project dir>')
const project = await openProject(dir, { search: false })
// the prediction log is flushed by hand below, so its timer never fires
const server = await serve(project, { port: 0, host: '127.0.0.1', logFlushMs: 3_600_000 })
const runtime = server.runtimes.get(DEPLOYMENT)
if (runtime === undefined) throw new Error(`no deployment ${DEPLOYMENT}`)
const loaded = runtime.choose(null).loaded
let seed = 11
const random = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0
  return seed / 2 ** 32
}
const instances = Array.from({ length: 64 }, () => [
  Object.fromEntries(loaded.signature.inputs.map((input, j) => [input.name, Math.round((random() * 10 * (j + 1) - 2 * j) * 1000) / 1000])),
])
const frames = instances.map((x) => {
  const built = instancesToFrame(x, loaded.signature.inputs)
  if (!('frame' in built)) throw new Error('the bench instance does not fit the signature')
  return built.frame
})
const rows = instances.map((x) => loaded.rows.encode(x))
const labels = { deployment: DEPLOYMENT, model: 'churn', version: '1', route: 'v1.predict' }
const answer = { label: 'yes', probabilities: { no: 0.1, yes: 0.9 } }
const record = (i) => ({
  id: newId(),
  deployment: DEPLOYMENT,
  model: 'churn',
  version: 1,
  alias: 'champion',
  at: Date.now(),
  inputs: JSON.stringify(instances[i % 64][0]),
  inputsHash: 'x'.repeat(64),
  output: JSON.stringify(answer),
  latencyMs: 0.1,
  fallback: false,
  shadow: null,
  sampleRate: 1,
})

const costs = {}
costs['runtime.choose (alias pick, no sticky key)'] = await cost(() => runtime.choose(null))
// a request that fits the signature is encoded straight into the model's rows; others build a Frame
costs['rows.encode (validate + encode the rows)'] = await cost((i) => loaded.rows.encode(instances[i % 64]))
costs['predictRowsWithin (deadline check around model.predictRows: 100 trees, 1 row)'] = await cost((i) =>
  predictRowsWithin(loaded.model, rows[i % 64], 1, 1000),
)
costs['instancesToFrame (the frame path: validate + build the Frame)'] = await cost((i) => instancesToFrame(instances[i % 64], loaded.signature.inputs))
costs['model.predict (the frame path: 100 trees, 1 row)'] = await cost((i) => loaded.model.predict(frames[i % 64]))
costs['newId (one per answer)'] = await cost(() => newId())
// the server looks each label set's children up once and keeps them
const requests = server.metrics.requests.labels({ ...labels, status: '200' })
const latency = server.metrics.latency.labels(labels)
const predictions = server.metrics.predictions.labels({ deployment: DEPLOYMENT, model: 'churn', version: '1', alias: 'champion' })
costs['metrics: requests.inc + latency.observe + predictions.inc (cached children)'] = await cost(() => {
  requests.inc()
  latency.observe(0.001)
  predictions.inc(1)
})
costs['log record: sha256 + JSON.stringify of the inputs and of the answer'] = await cost((i) => {
  const text = JSON.stringify(instances[i % 64][0])
  return [text, sha256(text), JSON.stringify(answer)]
})
// logging is scheduled off the answer path: a job queued per answer, one setImmediate per turn of
// the event loop for the answers of that turn (16 here, as many as wrk's connections: the best case)
let queued = []
costs['after-answer queue (one setImmediate per 16 answers)'] = await cost(
  (i) => {
    queued.push(() => i)
    if (queued.length < 16) return undefined
    return new Promise((resolve) =>
      setImmediate(() => {
        for (const job of queued) job()
        queued = []
        resolve()
      }),
    )
  },
  { async: true },
)
// the SQLite write of one logged prediction (record built with an id and two JSON strings), in batches of 500 as the server writes them
let pending = 0
costs['prediction log: record + SQLite insert, per row (batches of 500)'] = await cost(async (i) => {
  server.log.append(record(i))
  if (++pending === 500) {
    pending = 0
    await server.log.flush()
  }
})
await server.close()
await project.close()
process.stdout.write(`${JSON.stringify(costs)}\n`)
