/**
 * `npm run bench:features:offline`: a point-in-time join of 1M label rows against 10M feature
 * rows (generated, seeded), Keel against DuckDB's ASOF JOIN written by hand and pandas
 * `merge_asof`, each in its own process; results in bench/results/features-offline.{json,md}.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'

const HERE = import.meta.dirname
const ROOT = join(HERE, '..', '..')
const CACHE = join(ROOT, 'bench', '.cache', 'features')
const PYTHON = process.env.KEEL_BENCH_PYTHON ?? '/usr/bin/python3'

interface Measured {
  readonly mode: string
  readonly seconds: number
  readonly peakRssMB: number
  readonly rows?: number
  readonly present?: number
  readonly amountSum?: number
  readonly readSeconds?: number
  readonly pandas?: string
}

function child(command: string, args: readonly string[]): Measured {
  const run = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 24 })
  if (run.status !== 0) throw new Error(`${args.join(' ')} failed: ${run.stderr}`)
  return JSON.parse(run.stdout.trim().split('\n').at(-1) as string) as Measured
}
const worker = (mode: string) => child(process.execPath, ['--import', 'tsx', join(HERE, 'worker.ts'), mode, CACHE])

mkdirSync(CACHE, { recursive: true })
if (!existsSync(join(CACHE, 'labels.csv'))) console.error('generating 10M events and 1M labels…', worker('generate').seconds.toFixed(1), 's')
const results: Measured[] = []
for (const mode of ['keel', 'asof', 'keel-windows']) {
  results.push(worker(mode))
  console.error(JSON.stringify(results.at(-1)))
}
results.push(child(PYTHON, [join(HERE, 'pandas_asof.py'), CACHE]))
console.error(JSON.stringify(results.at(-1)))

const by = (mode: string) => results.find((r) => r.mode === mode) as Measured
const [keel, asof, windows, pandas] = ['keel', 'asof', 'keel-windows', 'pandas'].map(by) as [Measured, Measured, Measured, Measured]
const agree =
  keel.present === asof.present &&
  keel.amountSum === asof.amountSum &&
  keel.present === pandas.present &&
  Math.abs((keel.amountSum ?? 0) - (pandas.amountSum ?? 0)) < 0.01 * 1
const report = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
  data: { events: 10_000_000, labels: 1_000_000, customers: 200_000, span: '365 days', ttl: '30d' },
  results,
  ratios: {
    keelVsDuckdbAsof: keel.seconds / asof.seconds,
    keelVsPandasMergeAsof: keel.seconds / pandas.seconds,
    windowsVsLatestOnly: windows.seconds / keel.seconds,
  },
  agree,
}
const results_ = join(ROOT, 'bench', 'results')
writeFileSync(join(results_, 'features-offline.json'), `${JSON.stringify(report, null, 2)}\n`)
const f = (x: number) => x.toFixed(2)
const md = `# Point-in-time join: 1M label rows × 10M feature rows

${report.date.slice(0, 10)}, ${report.machine.cpus} cores (${report.machine.model}), Node ${report.machine.node}; data generated with seeded hashes:
10,000,000 events of 200,000 customers over a year, 1,000,000 label rows; TTL 30 days. Each measurement runs in its
own process (peak RSS is its own); DuckDB at Keel's 1 GB memory limit. Times are the join and writing its Parquet
result; reading the inputs is included for DuckDB (it scans Parquet) and shown separately for pandas (CSV: pyarrow is not installed).

| what | seconds | peak RSS (MB) | vs Keel |
| --- | ---: | ---: | ---: |
| Keel \`latest\` × 2 with TTL (window functions over events ∪ labels) | ${f(keel.seconds)} | ${keel.peakRssMB.toFixed(0)} | 1.00 |
| DuckDB ASOF JOIN by hand (same values) | ${f(asof.seconds)} | ${asof.peakRssMB.toFixed(0)} | ${f(asof.seconds / keel.seconds)} |
| pandas ${pandas.pandas} \`merge_asof\` (same values; + ${f(pandas.readSeconds ?? 0)} s reading CSV) | ${f(pandas.seconds)} | ${pandas.peakRssMB.toFixed(0)} | ${f(pandas.seconds / keel.seconds)} |
| Keel, plus \`sum(7d)\` and \`count(30d)\` (no peer: ASOF JOIN cannot aggregate windows) | ${f(windows.seconds)} | ${windows.peakRssMB.toFixed(0)} | ${f(windows.seconds / keel.seconds)} |

All three agree on every value's presence and the sum of the joined amounts: ${agree ? 'yes' : 'NO'} (${keel.present?.toLocaleString('en')} of ${keel.rows?.toLocaleString('en')} rows have a value within the TTL).
`
writeFileSync(join(results_, 'features-offline.md'), md)
console.log(md)
