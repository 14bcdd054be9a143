/**
 * @module The drift benchmark's data: a reference of 100k rows and a window of 1M rows of 16
 * numeric and 4 categorical features, seeded, with known drift in some columns. Written once to
 * files both sides read: float64 columns and category codes in binary, the reference also as
 * the CSV Keel trains on.
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const REFERENCE_ROWS = 100_000
export const WINDOW_ROWS = 1_000_000
export const LABEL = 'y'
/** The project's model (and its deployment) and the monitor the pass runs. */
export const MODEL = 'churn'
export const MONITOR = 'drift'

interface NumericSpec {
  readonly name: string
  /** A draw from the column's distribution; `drift` is the window's change, 0 in the reference. */
  readonly draw: (r: Random, drifted: boolean) => number
  /** What the window changes, for the report. */
  readonly drift?: string
}

interface CategoricalSpec {
  readonly name: string
  readonly levels: readonly string[]
  /** Relative weights of the levels in the reference and in the window. */
  readonly reference: readonly number[]
  readonly window: readonly number[]
  readonly drift?: string
}

/** mulberry32: small, fast and good enough for test data; the same stream on every machine. */
export class Random {
  #s: number
  #spare: number | null = null
  constructor(seed: number) {
    this.#s = seed >>> 0
  }
  next(): number {
    this.#s = (this.#s + 0x6d2b79f5) >>> 0
    let t = this.#s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
  /** A standard normal draw (Box–Muller, both halves used). */
  normal(): number {
    if (this.#spare !== null) {
      const s = this.#spare
      this.#spare = null
      return s
    }
    const u = 1 - this.next()
    const v = this.next()
    const radius = Math.sqrt(-2 * Math.log(u))
    this.#spare = radius * Math.sin(2 * Math.PI * v)
    return radius * Math.cos(2 * Math.PI * v)
  }
}

/** Values rounded to 6 decimals, so every reader (CSV, JSON in SQLite, numpy) parses the same double. */
const round6 = (x: number) => Math.round(x * 1e6) / 1e6

/** 16 numeric features of several shapes; four drift in the window, one only slightly. */
export const NUMERIC: readonly NumericSpec[] = [
  { name: 'age', draw: (r, d) => 40 + 12 * r.normal() + (d ? 4 : 0), drift: 'mean +⅓ σ' },
  { name: 'income', draw: (r, d) => Math.exp(10.5 + 0.6 * r.normal()) * (d ? 1.3 : 1), drift: '×1.3' },
  { name: 'tenure', draw: (r, d) => -Math.log(1 - r.next()) * (d ? 30 : 24), drift: 'exponential mean 24 → 30' },
  { name: 'balance', draw: (r, d) => 1000 + 300 * r.normal() * (d ? 1.5 : 1), drift: 'σ ×1.5' },
  { name: 'visits', draw: (r, d) => 5 + 2 * r.normal() + (d ? 0.05 : 0), drift: 'mean +0.025 σ (below the threshold)' },
  { name: 'score', draw: (r) => 600 + 80 * r.normal() },
  { name: 'discount', draw: (r) => 0.3 * r.next() },
  { name: 'latency', draw: (r) => Math.exp(3 + 0.5 * r.normal()) },
  { name: 'basket', draw: (r) => 50 + 20 * r.normal() },
  { name: 'distance', draw: (r) => 100 * r.next() * r.next() },
  { name: 'rating', draw: (r) => 1 + 4 * r.next() },
  { name: 'temperature', draw: (r) => 15 + 8 * r.normal() },
  { name: 'clicks', draw: (r) => -Math.log(1 - r.next()) * 3 },
  { name: 'weight', draw: (r) => 70 + 15 * r.normal() },
  { name: 'ratio', draw: (r) => r.next() / (r.next() + 0.5) },
  { name: 'mixture', draw: (r) => (r.next() < 0.3 ? -2 : 2) + r.normal() },
]

const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`)

/** 4 categorical features; one drifts in the window. */
export const CATEGORICAL: readonly CategoricalSpec[] = [
  { name: 'plan', levels: ['basic', 'plus', 'pro'], reference: [5, 3, 2], window: [5, 3, 2] },
  {
    name: 'region',
    levels: names('region', 12),
    reference: [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
    window: [6, 7, 8, 9, 10, 11, 12, 5, 4, 3, 2, 1],
    drift: 'shares of 7 of 12 regions changed',
  },
  { name: 'device', levels: ['ios', 'android', 'web', 'other'], reference: [4, 4, 3, 1], window: [4, 4, 3, 1] },
  {
    name: 'channel',
    levels: names('channel', 40),
    reference: names('channel', 40).map((_, i) => 1 / (i + 1)),
    window: names('channel', 40).map((_, i) => 1 / (i + 1)),
  },
]

export interface DriftData {
  readonly rows: number
  /** One Float64Array per numeric feature, in NUMERIC's order. */
  readonly numeric: readonly Float64Array[]
  /** One array of level indices per categorical feature, in CATEGORICAL's order. */
  readonly codes: readonly Uint8Array[]
}

function pick(r: Random, cumulative: readonly number[]): number {
  const u = r.next() * (cumulative.at(-1) as number)
  let k = 0
  while ((cumulative[k] as number) <= u) k++
  return k
}

function cumulate(weights: readonly number[]): number[] {
  let total = 0
  return weights.map((w) => (total += w))
}

/** One set of rows: the reference (seed 1) or the window (seed 2, drifted). */
export function generate(rows: number, drifted: boolean): DriftData {
  const r = new Random(drifted ? 2 : 1)
  const numeric = NUMERIC.map(() => new Float64Array(rows))
  const codes = CATEGORICAL.map(() => new Uint8Array(rows))
  const weights = CATEGORICAL.map((c) => cumulate(drifted ? c.window : c.reference))
  for (let i = 0; i < rows; i++) {
    NUMERIC.forEach((spec, j) => {
      ;(numeric[j] as Float64Array)[i] = round6(spec.draw(r, drifted))
    })
    weights.forEach((w, j) => {
      ;(codes[j] as Uint8Array)[i] = pick(r, w)
    })
  }
  return { rows, numeric, codes }
}

/** The regression label the model learns: a few features, plus noise. */
export function label(data: DriftData, i: number, noise: number): number {
  const x = (j: number) => (data.numeric[j] as Float64Array)[i] as number
  return round6(0.05 * x(0) + 0.00002 * x(1) - 0.01 * x(2) + 0.002 * x(3) + 0.3 * ((data.codes[0] as Uint8Array)[i] as number) + noise)
}

const files = (dir: string, set: 'reference' | 'window') => ({ numeric: join(dir, `${set}-numeric.f64`), codes: join(dir, `${set}-codes.u8`) })

function writeSet(dir: string, set: 'reference' | 'window', data: DriftData): void {
  const { numeric, codes } = files(dir, set)
  writeFileSync(numeric, Buffer.concat(data.numeric.map((c) => new Uint8Array(c.buffer, c.byteOffset, c.byteLength))))
  writeFileSync(codes, Buffer.concat(data.codes))
}

/** Reads a set back: column-major float64 (16 × rows) and uint8 codes (4 × rows). */
export function readSet(dir: string, set: 'reference' | 'window'): DriftData {
  const { numeric, codes } = files(dir, set)
  const bytes = readFileSync(numeric)
  const all = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
  const rows = all.length / NUMERIC.length
  const code = readFileSync(codes)
  return {
    rows,
    numeric: NUMERIC.map((_, j) => all.subarray(j * rows, (j + 1) * rows)),
    codes: CATEGORICAL.map((_, j) => new Uint8Array(code.subarray(j * rows, (j + 1) * rows))),
  }
}

async function writeReferenceCsv(path: string, data: DriftData): Promise<void> {
  const noise = new Random(3)
  const out = createWriteStream(path)
  out.write(`${[...NUMERIC.map((c) => c.name), ...CATEGORICAL.map((c) => c.name), LABEL].join(',')}\n`)
  for (let i = 0; i < data.rows; i++) {
    const cells = [
      ...data.numeric.map((c) => String(c[i])),
      ...data.codes.map((c, j) => (CATEGORICAL[j] as CategoricalSpec).levels[c[i] as number]),
      String(label(data, i, noise.normal())),
    ]
    if (!out.write(`${cells.join(',')}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()))
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())))
}

/** The column names and levels, for the Python side. */
export function describeData(): Record<string, unknown> {
  return {
    referenceRows: REFERENCE_ROWS,
    windowRows: WINDOW_ROWS,
    numeric: NUMERIC.map((c) => c.name),
    categorical: CATEGORICAL.map((c) => ({ name: c.name, levels: c.levels })),
  }
}

/** Writes the data once into `dir` (reused while the files are there); returns the seconds it took. */
export async function prepareData(dir: string): Promise<number> {
  mkdirSync(dir, { recursive: true })
  const started = performance.now()
  const done = join(dir, 'data.json')
  if (existsSync(done) && JSON.stringify(JSON.parse(readFileSync(done, 'utf8'))) === JSON.stringify(describeData())) return 0
  const reference = generate(REFERENCE_ROWS, false)
  writeSet(dir, 'reference', reference)
  await writeReferenceCsv(join(dir, 'reference.csv'), reference)
  writeSet(dir, 'window', generate(WINDOW_ROWS, true))
  writeFileSync(done, `${JSON.stringify(describeData(), null, 2)}\n`)
  return (performance.now() - started) / 1000
}
