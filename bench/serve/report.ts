/**
 * @module The serving bench's report: the JSON shape written to bench/results/serve.json and its Markdown summary.
 */
import type { Contention } from './cpu.js'
import type { OpenLoopResult } from './open-loop.js'
import type { WrkResult } from './wrk.js'

export const TARGETS = { throughputRatio: 0.75, p99Ms: 5 } as const

type Measured<T> = T & { readonly contention: Contention; readonly attempt: number; readonly clean: boolean; readonly discarded: readonly string[] }

export interface Side {
  readonly samples: readonly Measured<WrkResult>[]
  readonly meanRequestsPerSecond: number
}

export interface ServeReport {
  readonly date: string
  readonly machine: Readonly<Record<string, string | number>>
  readonly versions: Readonly<Record<string, string>>
  readonly commands: readonly string[]
  /** Keel runs from dist/: when it was built, and source files changed since (not measured). */
  readonly build: { readonly distBuiltAt: string; readonly sourceNewerThanBuild: readonly string[] }
  readonly setup: Readonly<Record<string, unknown>>
  readonly throughput: {
    readonly tool: string
    readonly order: readonly string[]
    readonly keel: Side
    readonly bare: Side
    readonly ratio: number
  }
  readonly fixedRate: { readonly tool: string; readonly keel: Measured<OpenLoopResult>; readonly bare: Measured<OpenLoopResult> }
  readonly targets: {
    /** `clean`: every run behind the value was undisturbed by other work. */
    readonly throughputRatio: { readonly target: number; readonly value: number; readonly met: boolean; readonly clean: boolean }
    readonly p99Ms: { readonly target: number; readonly value: number; readonly met: boolean; readonly clean: boolean }
  }
  readonly serverExit: Readonly<Record<string, unknown>>
  readonly notes: readonly string[]
}

const f = (n: number, digits = 2) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const rps = (n: number) => Math.round(n).toLocaleString('en-US')
const yes = (t: { met: boolean; clean: boolean }) => `${t.met ? '**met**' : '**missed**'}${t.clean ? '' : ' (from a disturbed run: not conclusive)'}`

/** The short Markdown summary of a report. */
export function markdown(r: ServeReport): string {
  const t = r.throughput
  const k = r.fixedRate.keel
  const b = r.fixedRate.bare
  const m = r.machine
  const v = r.versions
  const samples = (s: Side) => s.samples.map((x) => rps(x.requestsPerSecond)).join(', ')
  const cores = (x: number) => x.toFixed(2)
  const other = (m: Measured<unknown>) => `${cores(m.contention.other)}${m.attempt > 1 ? ` (try ${m.attempt})` : ''}${m.clean ? '' : ' **disturbed**'}`
  /** Requests per CPU-second of the server: throughput as if it always had its core to itself. */
  const perCore = (s: Side) => s.samples.reduce((a, x) => a + x.requests, 0) / s.samples.reduce((a, x) => a + x.contention.server * x.seconds, 0)
  const errors = (s: Side) => s.samples.reduce((a, x) => a + Object.values(x.errors).reduce((p, q) => p + q, 0), 0)
  const list = (s: Side, fn: (m: Measured<WrkResult>) => string) => s.samples.map(fn).join(', ')
  const latencyRow = (name: string, o: Measured<OpenLoopResult>) =>
    `| ${name} | ${f(o.latencyMs.p50)} | ${f(o.latencyMs.p90)} | ${f(o.latencyMs.p99)} | ${f(o.latencyMs.p999)} | ${f(o.latencyMs.max)} | ${f(o.serviceMs.p99)} | ${o.ok} / ${o.scheduled} | ${o.errors} | ${cores(o.contention.server)} | ${other(o)} |`
  return [
    '# Serving benchmark',
    '',
    `Run ${r.date} on ${m.cores} cores (${m.cpu}), ${m.memoryGB} GB, load average ${m.loadAverage}.`,
    `Node ${v.node}, Fastify ${v.fastify}, ${v.wrk}. Command: \`npm run bench:serve\`.`,
    '',
    `Keel's server (\`serve(project)\`, default deployment settings: full prediction log, metrics) answering \`POST /v1/models/churn:predict\` with one instance of 10 numeric features`,
    `from a ${r.setup.model as string}, against a bare Fastify route that parses the same body and returns a constant object of the same JSON shape and size.`,
    `${r.setup.pinning as string}`,
    `Keel runs from the built package (dist/, built ${r.build.distBuiltAt}), as \`keel serve\` does.${r.build.sourceNewerThanBuild.length === 0 ? '' : ` **${r.build.sourceNewerThanBuild.length} source file(s) changed after that build are not measured** (listed in serve.json).`}`,
    '',
    `## Throughput (${t.tool})`,
    '',
    '| server | requests/s (mean) | samples | per server CPU-second | errors | server CPU (cores) | other work (cores) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    `| Keel, 100-tree GBDT | ${rps(t.keel.meanRequestsPerSecond)} | ${samples(t.keel)} | ${rps(perCore(t.keel))} | ${errors(t.keel)} | ${list(t.keel, (x) => cores(x.contention.server))} | ${list(t.keel, other)} |`,
    `| bare Fastify, constant | ${rps(t.bare.meanRequestsPerSecond)} | ${samples(t.bare)} | ${rps(perCore(t.bare))} | ${errors(t.bare)} | ${list(t.bare, (x) => cores(x.contention.server))} | ${list(t.bare, other)} |`,
    `| **Keel / bare** | **${f(t.ratio)}** | | ${f(perCore(t.keel) / perCore(t.bare))} | | | |`,
    '',
    `## Latency at a fixed ${k.rate} requests/s (${r.fixedRate.tool})`,
    '',
    'Milliseconds from when each request was due to the last byte of its answer (open loop: no coordinated omission).',
    '',
    '| server | p50 | p90 | p99 | p99.9 | max | p99 from send | answered | errors | server CPU (cores) | other work (cores) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    latencyRow('Keel, 100-tree GBDT', k),
    latencyRow('bare Fastify, constant', b),
    '',
    `The generator's own send lag (included above): p99 ${f(k.sendLagMs.p99, 3)} ms (Keel run), ${f(b.sendLagMs.p99, 3)} ms (bare run). "p99 from send" leaves it out.`,
    '',
    '## Targets',
    '',
    '| target | value | |',
    '| --- | --- | --- |',
    `| throughput Keel / bare ≥ ${TARGETS.throughputRatio} | ${f(r.targets.throughputRatio.value)} | ${yes(r.targets.throughputRatio)} |`,
    `| Keel p99 at ${k.rate} requests/s < ${TARGETS.p99Ms} ms | ${f(r.targets.p99Ms.value)} ms | ${yes(r.targets.p99Ms)} |`,
    '',
    'Where Keel spends the CPU a bare route does not, what this change took out of it, and why the throughput target stays out of reach on this setup: [serve.bound.md](serve.bound.md).',
    '',
    ...r.notes.map((n) => `- ${n}`),
    '',
  ].join('\n')
}
