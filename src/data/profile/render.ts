/**
 * @module A contract as TypeScript source for keel.config.ts, in the repository's Biome style
 * (2-space indent, single quotes, no semicolons, trailing commas, 160 columns), so that pasting
 * it and running the formatter changes nothing.
 */
import type { Contract } from '../contracts/contract.js'
import type { ColumnProfile } from './profile.js'

const WIDTH = 160

/** Key order per object, so the text does not depend on how the contract was built; unknown keys follow in their own order. */
const CONTRACT_KEYS = ['columns', 'rows', 'freshness', 'primaryKey', 'checks', 'policy']
const COLUMN_KEYS = ['type', 'nullable', 'min', 'max', 'values', 'pattern', 'unique', 'pii']
const ROWS_KEYS = ['min', 'max']
const FRESHNESS_KEYS = ['column', 'maxAge']
const CHECK_KEYS = ['name', 'sql']

type Node =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'array'; readonly items: readonly Node[] }
  | { readonly kind: 'object'; readonly entries: readonly Entry[]; readonly expand: boolean }

interface Entry {
  readonly key: string
  readonly value: Node
  readonly comment?: string
}

/**
 * The contract as `export const <name>Contract = contract({ … })`, one commented line per column
 * (its missing rate and distinct count) when its profile is given. The name becomes a lower camel
 * case identifier (`daily-orders` → `dailyOrdersContract`).
 *
 * @example
 * ```ts
 * renderContract({ columns: { id: { type: 'int', nullable: false } }, rows: { min: 1 } }, 'orders', profiles)
 * // export const ordersContract = contract({
 * //   columns: {
 * //     // 0% missing, 1,000 distinct
 * //     id: { type: 'int', nullable: false },
 * //   },
 * //   rows: { min: 1 },
 * // })
 * ```
 */
export function renderContract(contract: Contract, name: string, profiles: readonly ColumnProfile[] = []): string {
  const byName = new Map(profiles.map((p) => [p.name, p]))
  // objects list integer-like keys ('2024') first; the profiles keep the input's column order
  const names = [
    ...profiles.map((p) => p.name).filter((n) => Object.hasOwn(contract.columns, n)),
    ...Object.keys(contract.columns).filter((n) => !byName.has(n)),
  ]
  const columns: Entry[] = names.map((column) => {
    const spec = contract.columns[column]
    const profile = byName.get(column)
    return { key: column, value: ordered(spec, COLUMN_KEYS), ...(profile === undefined ? {} : { comment: profileComment(profile) }) }
  })
  const root = ordered(contract, CONTRACT_KEYS, (key, value) => {
    if (key === 'columns') return { kind: 'object', entries: columns, expand: true }
    if (key === 'rows') return ordered(value, ROWS_KEYS)
    if (key === 'freshness') return ordered(value, FRESHNESS_KEYS)
    if (key === 'checks' && Array.isArray(value)) return { kind: 'array', items: (value as readonly unknown[]).map((check) => ordered(check, CHECK_KEYS)) }
    return undefined
  })
  const head = `export const ${identifier(name)}Contract = contract(`
  return `${print({ ...root, expand: true } as Node, '', head, ')').join('\n')}\n`
}

/**
 * The comment above a column: missing share and distinct count, `~` marking an estimate.
 *
 * @example
 * ```ts
 * profileComment({ count: 990, missing: 10, distinct: 42, approximate: false, … }) // '1% missing, 42 distinct'
 * ```
 */
export function profileComment(profile: Pick<ColumnProfile, 'count' | 'missing' | 'distinct' | 'approximate'>): string {
  const rows = profile.count + profile.missing
  const distinct = `${profile.approximate ? '~' : ''}${profile.distinct.toLocaleString('en-US')} distinct`
  if (rows === 0) return `no rows, ${distinct}`
  return `${percent(profile.missing / rows)} missing, ${distinct}`
}

function percent(share: number): string {
  if (share === 0) return '0%'
  if (share === 1) return '100%'
  // never round a few missing values down to 0% or up to 100%
  if (share < 0.001) return '<0.1%'
  if (share > 0.999) return '>99.9%'
  return `${Number((share * 100).toFixed(1))}%`
}

/**
 * A lower camel case identifier from a dataset name: `daily-orders` → `dailyOrders`, `2024 sales` → `_2024Sales`.
 *
 * @example
 * ```ts
 * identifier('raw_orders') // 'rawOrders'
 * ```
 */
export function identifier(name: string): string {
  const words = name.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0)
  if (words.length === 0) return 'dataset'
  const camel = words.map((w, i) => (i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w.charAt(0).toUpperCase() + w.slice(1))).join('')
  return /^\p{N}/u.test(camel) ? `_${camel}` : camel
}

function ordered(value: unknown, keys: readonly string[], special?: (key: string, value: unknown) => Node | undefined): Node {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return node(value)
  const record = value as Record<string, unknown>
  const present = Object.keys(record).filter((k) => record[k] !== undefined)
  const sorted = [...keys.filter((k) => present.includes(k)), ...present.filter((k) => !keys.includes(k))]
  const entries = sorted.map((key) => ({ key, value: special?.(key, record[key]) ?? node(record[key]) }))
  return { kind: 'object', entries, expand: false }
}

function node(value: unknown): Node {
  if (Array.isArray(value)) return { kind: 'array', items: value.map(node) }
  if (typeof value === 'object' && value !== null) return ordered(value, [])
  if (typeof value === 'string') return { kind: 'literal', text: quote(value) }
  if (typeof value === 'number') return { kind: 'literal', text: numberText(value) }
  if (typeof value === 'bigint') return { kind: 'literal', text: `${value}n` }
  return { kind: 'literal', text: String(value) }
}

/** Lines of `prefix` + the node + `suffix` at `indent`: on one line when it fits and nothing forces it open. */
function print(n: Node, indent: string, prefix: string, suffix: string): string[] {
  const flat = inline(n)
  const open = n.kind === 'object' && (n.expand || n.entries.some((e) => e.comment !== undefined))
  if (flat !== undefined && !open && indent.length + prefix.length + flat.length + suffix.length <= WIDTH) return [indent + prefix + flat + suffix]
  const inner = `${indent}  `
  if (n.kind === 'array') {
    if (n.items.length === 0) return [`${indent}${prefix}[]${suffix}`]
    return [`${indent}${prefix}[`, ...n.items.flatMap((item) => print(item, inner, '', ',')), `${indent}]${suffix}`]
  }
  if (n.kind === 'object') {
    if (n.entries.length === 0) return [`${indent}${prefix}{}${suffix}`]
    const body = n.entries.flatMap((e) => [...(e.comment === undefined ? [] : [`${inner}// ${e.comment}`]), ...print(e.value, inner, `${key(e.key)}: `, ',')])
    return [`${indent}${prefix}{`, ...body, `${indent}}${suffix}`]
  }
  return [indent + prefix + n.text + suffix]
}

function inline(n: Node): string | undefined {
  if (n.kind === 'literal') return n.text
  if (n.kind === 'array') {
    const items = n.items.map(inline)
    return items.some((i) => i === undefined) ? undefined : `[${items.join(', ')}]`
  }
  if (n.entries.length === 0) return '{}'
  const entries = n.entries.map((e) => {
    const value = inline(e.value)
    return value === undefined ? undefined : `${key(e.key)}: ${value}`
  })
  return entries.some((e) => e === undefined) ? undefined : `{ ${entries.join(', ')} }`
}

/**
 * A property key: bare when it is a plain identifier, quoted otherwise. `__proto__` is computed,
 * because `{ __proto__: x }` (quoted or not) would set the prototype instead of defining the key.
 */
function key(name: string): string {
  if (name === '__proto__') return `[${quote(name)}]`
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : quote(name)
}

/** A string literal the way Biome writes it: single quotes, double quotes when that means fewer escapes. */
function quote(text: string): string {
  const singles = text.split("'").length - 1
  const doubles = text.split('"').length - 1
  const q = singles > doubles ? '"' : "'"
  let out = q
  for (const ch of text) {
    const code = ch.codePointAt(0) as number
    if (ch === q || ch === '\\') out += `\\${ch}`
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`
    else if (code === 0x2028 || code === 0x2029) out += `\\u${code.toString(16)}`
    else out += ch
  }
  return out + q
}

function numberText(n: number): string {
  if (Number.isNaN(n)) return 'Number.NaN'
  if (!Number.isFinite(n)) return n > 0 ? 'Number.POSITIVE_INFINITY' : 'Number.NEGATIVE_INFINITY'
  // Biome drops the + of an exponent
  return String(n).replace('e+', 'e')
}
