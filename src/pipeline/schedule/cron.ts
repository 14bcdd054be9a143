/**
 * @module Cron expressions (five fields: minute hour day-of-month month day-of-week, in UTC):
 * `*`, lists, ranges, steps and names (`jan`, `mon`), with cron's rule that when both day
 * fields are restricted a day matching either one is due.
 */
import { KeelError } from '../../core/errors.js'

export interface Cron {
  readonly text: string
  /** Whether a minute (epoch ms, seconds ignored) is due. */
  matches(at: number): boolean
  /** The first due minute strictly after `after`. */
  next(after: number): number
  /** The last due minute at or before `at`, if one exists within `lookbackDays` (default 400). */
  previous(at: number, lookbackDays?: number): number | undefined
}

const FIELDS = [
  { name: 'minute', min: 0, max: 59, names: [] as string[] },
  { name: 'hour', min: 0, max: 23, names: [] as string[] },
  { name: 'day of month', min: 1, max: 31, names: [] as string[] },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
] as const

const MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
}

const MINUTE = 60_000

function invalid(text: string, why: string): KeelError {
  return new KeelError('SCHEDULE_INVALID', `cron "${text}": ${why}`, {
    hint: 'Five fields, minute hour day-of-month month day-of-week (UTC), e.g. "0 3 * * *" for 03:00 every day.',
  })
}

function parseField(text: string, part: string, field: (typeof FIELDS)[number]): { set: Set<number>; star: boolean } {
  const set = new Set<number>()
  const value = (v: string): number => {
    const named = (field.names as readonly string[]).indexOf(v.toLowerCase())
    const n = named >= 0 ? named + (field.name === 'month' ? 1 : 0) : /^\d+$/.test(v) ? Number(v) : Number.NaN
    if (!Number.isInteger(n) || n < field.min || n > field.max) throw invalid(text, `${field.name} "${v}" is not in ${field.min}-${field.max}`)
    return n
  }
  for (const item of part.split(',')) {
    const [range, stepText] = item.split('/') as [string, string | undefined]
    const step = stepText === undefined ? 1 : Number(stepText)
    if (!Number.isInteger(step) || step < 1) throw invalid(text, `step "${stepText}" in the ${field.name} field is not a positive integer`)
    let lo: number
    let hi: number
    if (range === '*') [lo, hi] = [field.min, field.max === 7 ? 6 : field.max]
    else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string]
      ;[lo, hi] = [value(a), value(b)]
      if (lo > hi) throw invalid(text, `range "${range}" in the ${field.name} field runs backwards`)
    } else {
      lo = value(range)
      hi = stepText === undefined ? lo : field.max === 7 ? 6 : field.max
    }
    for (let v = lo; v <= hi; v += step) set.add(field.max === 7 && v === 7 ? 0 : v)
  }
  return { set, star: part === '*' || part.startsWith('*/') }
}

/**
 * Parses a cron expression; SCHEDULE_INVALID names the wrong field.
 *
 * @example
 * ```ts
 * parseCron('0 3 * * *').next(Date.parse('2026-11-24T10:00:00Z')) // 2026-11-25T03:00Z
 * ```
 */
export function parseCron(text: string): Cron {
  const expanded = MACROS[text.trim()] ?? text.trim()
  const parts = expanded.split(/\s+/)
  if (parts.length !== 5) throw invalid(text, `has ${parts.length} fields; cron needs 5`)
  const [minute, hour, dom, month, dow] = parts.map((p, i) => parseField(text, p, FIELDS[i] as (typeof FIELDS)[number])) as [
    ReturnType<typeof parseField>,
    ReturnType<typeof parseField>,
    ReturnType<typeof parseField>,
    ReturnType<typeof parseField>,
    ReturnType<typeof parseField>,
  ]
  const dayMatches = (d: Date): boolean => {
    const byDom = dom.set.has(d.getUTCDate())
    const byDow = dow.set.has(d.getUTCDay())
    // cron: with both day fields restricted, either may match; with one restricted, that one decides
    if (!dom.star && !dow.star) return byDom || byDow
    return byDom && byDow
  }
  const matches = (at: number): boolean => {
    const d = new Date(at)
    return minute.set.has(d.getUTCMinutes()) && hour.set.has(d.getUTCHours()) && month.set.has(d.getUTCMonth() + 1) && dayMatches(d)
  }
  /** Walks minute by minute but skips whole days and hours that cannot match. */
  const scan = (from: number, direction: 1 | -1, limit: number): number | undefined => {
    let t = Math.floor(from / MINUTE) * MINUTE
    const end = from + direction * limit
    while (direction === 1 ? t <= end : t >= end) {
      const d = new Date(t)
      if (!month.set.has(d.getUTCMonth() + 1) || !dayMatches(d)) {
        // to the next day's first minute, or the previous day's last
        const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
        t = direction === 1 ? day + 86_400_000 : day - MINUTE
        continue
      }
      if (!hour.set.has(d.getUTCHours())) {
        const h = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours())
        t = direction === 1 ? h + 3_600_000 : h - MINUTE
        continue
      }
      if (minute.set.has(d.getUTCMinutes())) return t
      t += direction * MINUTE
    }
    return undefined
  }
  return {
    text,
    matches,
    next(after) {
      const found = scan(Math.floor(after / MINUTE) * MINUTE + MINUTE, 1, 5 * 366 * 86_400_000)
      if (found === undefined) throw invalid(text, 'is never due (no date matches it)')
      return found
    },
    previous(at, lookbackDays = 400) {
      return scan(at, -1, lookbackDays * 86_400_000)
    },
  }
}
