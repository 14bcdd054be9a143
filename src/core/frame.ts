/**
 * @module The in-memory columnar table every part of Keel passes around.
 */
import { KeelError } from './errors.js'

/** Numbers as Float64Array; NaN is missing. */
export interface NumberColumn {
  readonly kind: 'number'
  readonly values: Float64Array
}

/** Dictionary-encoded strings: `codes[i]` indexes `levels`; -1 is missing. */
export interface CategoryColumn {
  readonly kind: 'category'
  readonly codes: Int32Array
  readonly levels: readonly string[]
}

/** 0 = false, 1 = true, 255 = missing. */
export interface BooleanColumn {
  readonly kind: 'boolean'
  readonly values: Uint8Array
}

/** Epoch milliseconds (UTC); NaN is missing. */
export interface TimestampColumn {
  readonly kind: 'timestamp'
  readonly values: Float64Array
}

export type Column = NumberColumn | CategoryColumn | BooleanColumn | TimestampColumn
export type ColumnKind = Column['kind']

export const BOOLEAN_MISSING = 255

/**
 * An immutable table of named, equally long, typed columns.
 *
 * @example
 * ```ts
 * const frame = Frame.fromRecords([{ age: 31, plan: 'pro' }, { age: null, plan: 'free' }])
 * frame.column('age') // { kind: 'number', values: Float64Array [31, NaN] }
 * ```
 */
export class Frame {
  readonly nRows: number
  readonly #columns: ReadonlyMap<string, Column>

  constructor(columns: ReadonlyMap<string, Column> | Readonly<Record<string, Column>>) {
    const map = columns instanceof Map ? new Map(columns) : new Map(Object.entries(columns))
    let n: number | undefined
    for (const [name, column] of map) {
      const length = columnLength(column)
      if (n === undefined) n = length
      else if (length !== n) throw new KeelError('FRAME_INVALID', `column "${name}" has ${length} rows; the others have ${n}`)
    }
    this.#columns = map
    this.nRows = n ?? 0
  }

  get names(): readonly string[] {
    return [...this.#columns.keys()]
  }

  get nColumns(): number {
    return this.#columns.size
  }

  has(name: string): boolean {
    return this.#columns.has(name)
  }

  /** The column named `name`; FRAME_COLUMN_UNKNOWN (listing the known ones) if there is none. */
  column(name: string): Column {
    const column = this.#columns.get(name)
    if (!column) throw new KeelError('FRAME_COLUMN_UNKNOWN', `no column "${name}" (columns: ${this.names.join(', ') || 'none'})`)
    return column
  }

  /** A frame with only these columns, in this order. */
  select(names: readonly string[]): Frame {
    return new Frame(new Map(names.map((n) => [n, this.column(n)])))
  }

  /** A frame without these columns. */
  drop(names: readonly string[]): Frame {
    const gone = new Set(names)
    for (const n of names) this.column(n)
    return new Frame(new Map([...this.#columns].filter(([n]) => !gone.has(n))))
  }

  /** A frame with a column added or replaced. */
  with(name: string, column: Column): Frame {
    return new Frame(new Map([...this.#columns, [name, column]]))
  }

  /** The rows at these indices, in this order (indices may repeat, as in bootstrap samples). */
  take(indices: ArrayLike<number>): Frame {
    const out = new Map<string, Column>()
    for (const [name, c] of this.#columns) out.set(name, takeColumn(c, indices))
    return new Frame(out)
  }

  /** Rows `start` (inclusive) to `end` (exclusive). */
  slice(start: number, end: number = this.nRows): Frame {
    const s = Math.max(0, start)
    const e = Math.min(this.nRows, end)
    const idx = new Int32Array(Math.max(0, e - s))
    for (let i = 0; i < idx.length; i++) idx[i] = s + i
    return this.take(idx)
  }

  /** Row `i` as a plain object (missing values as null; timestamps as Date). */
  row(i: number): Record<string, string | number | boolean | Date | null> {
    const out: Record<string, string | number | boolean | Date | null> = {}
    for (const [name, c] of this.#columns) out[name] = cellValue(c, i)
    return out
  }

  /** Builds a frame from plain objects; column kinds are inferred unless given. */
  static fromRecords(records: readonly Readonly<Record<string, unknown>>[], kinds: Readonly<Record<string, ColumnKind>> = {}): Frame {
    const names = [...new Set(records.flatMap((r) => Object.keys(r)))]
    const columns = new Map<string, Column>()
    for (const name of names) {
      const cells = records.map((r) => r[name])
      columns.set(name, columnFromValues(name, cells, kinds[name] ?? inferKind(cells)))
    }
    return new Frame(columns)
  }
}

export function columnLength(c: Column): number {
  return c.kind === 'category' ? c.codes.length : c.values.length
}

/** Row `i` of a column as text (timestamps as ISO 8601 in UTC); null when missing. */
export function cellText(c: Column, i: number): string | null {
  if (isMissing(c, i)) return null
  switch (c.kind) {
    case 'category':
      return c.levels[c.codes[i] as number] as string
    case 'boolean':
      return c.values[i] === 1 ? 'true' : 'false'
    case 'timestamp':
      return new Date(c.values[i] as number).toISOString()
    default:
      return String(c.values[i])
  }
}

/** Whether row `i` of a column is missing. */
export function isMissing(c: Column, i: number): boolean {
  switch (c.kind) {
    case 'category':
      return (c.codes[i] ?? -1) < 0
    case 'boolean':
      return c.values[i] === BOOLEAN_MISSING
    default:
      return Number.isNaN(c.values[i] ?? Number.NaN)
  }
}

/** A column as numbers: category codes (missing NaN), booleans 0/1, timestamps in ms. */
export function numericView(c: Column): Float64Array {
  if (c.kind === 'number' || c.kind === 'timestamp') return c.values
  const out = new Float64Array(columnLength(c))
  if (c.kind === 'category') for (let i = 0; i < out.length; i++) out[i] = (c.codes[i] ?? -1) < 0 ? Number.NaN : (c.codes[i] ?? 0)
  else for (let i = 0; i < out.length; i++) out[i] = c.values[i] === BOOLEAN_MISSING ? Number.NaN : (c.values[i] ?? 0)
  return out
}

function takeColumn(c: Column, idx: ArrayLike<number>): Column {
  switch (c.kind) {
    case 'category': {
      const codes = new Int32Array(idx.length)
      for (let i = 0; i < idx.length; i++) codes[i] = c.codes[idx[i] ?? 0] ?? -1
      return { kind: 'category', codes, levels: c.levels }
    }
    case 'boolean': {
      const values = new Uint8Array(idx.length)
      for (let i = 0; i < idx.length; i++) values[i] = c.values[idx[i] ?? 0] ?? BOOLEAN_MISSING
      return { kind: 'boolean', values }
    }
    default: {
      const values = new Float64Array(idx.length)
      for (let i = 0; i < idx.length; i++) values[i] = c.values[idx[i] ?? 0] ?? Number.NaN
      return { kind: c.kind, values }
    }
  }
}

function cellValue(c: Column, i: number): string | number | boolean | Date | null {
  if (isMissing(c, i)) return null
  switch (c.kind) {
    case 'category':
      return c.levels[c.codes[i] ?? 0] ?? null
    case 'boolean':
      return c.values[i] === 1
    case 'timestamp':
      return new Date(c.values[i] ?? 0)
    default:
      return c.values[i] ?? null
  }
}

function inferKind(cells: readonly unknown[]): ColumnKind {
  let kind: ColumnKind | undefined
  for (const v of cells) {
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) continue
    const k: ColumnKind = typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : v instanceof Date ? 'timestamp' : 'category'
    if (kind !== undefined && kind !== k) return 'category'
    kind = k
  }
  return kind ?? 'number'
}

/** Builds one column of the given kind from plain values; null/undefined are missing. */
export function columnFromValues(name: string, cells: readonly unknown[], kind: ColumnKind): Column {
  const n = cells.length
  const bad = (v: unknown, i: number): never => {
    throw new KeelError('FRAME_INVALID', `column "${name}", row ${i}: ${JSON.stringify(v)} is not a ${kind}`)
  }
  switch (kind) {
    case 'number': {
      const values = new Float64Array(n)
      cells.forEach((v, i) => {
        values[i] =
          v === null || v === undefined
            ? Number.NaN
            : typeof v === 'number'
              ? v
              : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))
                ? Number(v)
                : bad(v, i)
      })
      return { kind, values }
    }
    case 'timestamp': {
      const values = new Float64Array(n)
      cells.forEach((v, i) => {
        const t = v === null || v === undefined ? Number.NaN : v instanceof Date ? v.getTime() : typeof v === 'number' ? v : Date.parse(String(v))
        values[i] = v !== null && v !== undefined && Number.isNaN(t) ? bad(v, i) : t
      })
      return { kind, values }
    }
    case 'boolean': {
      const values = new Uint8Array(n)
      cells.forEach((v, i) => {
        values[i] =
          v === null || v === undefined ? BOOLEAN_MISSING : v === true || v === 'true' || v === 1 ? 1 : v === false || v === 'false' || v === 0 ? 0 : bad(v, i)
      })
      return { kind, values }
    }
    case 'category': {
      const levels: string[] = []
      const index = new Map<string, number>()
      const codes = new Int32Array(n)
      cells.forEach((v, i) => {
        if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) {
          codes[i] = -1
          return
        }
        const s = v instanceof Date ? v.toISOString() : String(v)
        let code = index.get(s)
        if (code === undefined) {
          code = levels.length
          levels.push(s)
          index.set(s, code)
        }
        codes[i] = code
      })
      return { kind, codes, levels }
    }
  }
}
