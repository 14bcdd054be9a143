/**
 * @module `npm run bench:data`: snapshot of a 1M-row × 20-column CSV under a 10-check contract,
 * against a plain DuckDB `COPY` of the same file to Parquet (the floor: read + write, no checks).
 * Each side runs in its own process so its peak RSS is its own.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { prepareScaleFile } from '../learn/data.js'

const ROOT = join(import.meta.dirname, '..', '..')
const RESULTS = join(ROOT, 'bench', 'results')
const WORKER = join(import.meta.dirname, 'worker.ts')

interface Measured {
  readonly seconds: number
  readonly rows: number
  readonly peakRssMB: number
  readonly [key: string]: unknown
}

function measure(mode: 'keel' | 'duckdb', file: string): Measured {
  const out = execFileSync(process.execPath, ['--import', 'tsx', WORKER, mode, file], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 24 })
  return JSON.parse(out.trim().split('\n').at(-1) as string) as Measured
}

async function main(): Promise<void> {
  const file = await prepareScaleFile()
  process.stderr.write('duckdb COPY floor…\n')
  const floor = measure('duckdb', file)
  process.stderr.write('keel snapshot…\n')
  const keel = measure('keel', file)
  const report = {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGB: Math.round(totalmem() / 2 ** 30) },
    file: { path: 'bench/.cache/learn/synthetic-1000000x20.csv', rows: keel.rows, columns: 21 },
    contract: '21 typed columns + 10 checks: 5 not-null, a range (min and max), allowed values, a custom SQL check, a row-count bound',
    keel,
    duckdbCopy: floor,
    ratio: { time: keel.seconds / floor.seconds, peakRss: keel.peakRssMB / floor.peakRssMB },
  }
  mkdirSync(RESULTS, { recursive: true })
  writeFileSync(join(RESULTS, 'data.json'), `${JSON.stringify(report, null, 2)}\n`)
  const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 2 })
  const md = [
    '# Data benchmark',
    '',
    `Run ${report.date} on ${report.machine.cores} cores (${report.machine.cpu}), ${report.machine.memoryGB} GB. Command: \`npm run bench:data\`.`,
    '',
    `Snapshot of a ${fmt(keel.rows)}-row × 21-column CSV (${report.contract}): read, type, check, quarantine, write Parquet, column statistics, content hash, metadata.`,
    'Floor: DuckDB `COPY (SELECT * FROM read_csv(file)) TO file.parquet` — the same read and write with nothing checked.',
    '',
    '| | seconds | rows/s | peak RSS MB |',
    '| --- | --- | --- | --- |',
    `| keel data snapshot | ${fmt(keel.seconds)} | ${fmt(keel.rows / keel.seconds)} | ${fmt(keel.peakRssMB)} |`,
    `| DuckDB COPY (floor) | ${fmt(floor.seconds)} | ${fmt(floor.rows / floor.seconds)} | ${fmt(floor.peakRssMB)} |`,
    `| Keel / floor | ${fmt(report.ratio.time)}× | | ${fmt(report.ratio.peakRss)}× |`,
    '',
  ].join('\n')
  writeFileSync(join(RESULTS, 'data.md'), md)
  process.stdout.write(md)
}

await main()
