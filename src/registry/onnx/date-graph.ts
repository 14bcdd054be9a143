/**
 * @module Calendar parts of epoch milliseconds as ONNX arithmetic (UTC), equal to what
 * JavaScript's Date gives Keel: Floor/Div on whole numbers, then days to a civil date.
 */
import type { DatePart } from '../../learn/preprocess/dates.js'
import type { GraphBuilder } from './graph.js'

/** Date's range: a time value past ±8.64e15 ms is an invalid date (its parts are NaN). */
const MAX_TIME = 8.64e15
const MS_PER_DAY = 86_400_000
const MS_PER_HOUR = 3_600_000
/** 1970-01-01 was a Thursday, day 3 counting from Monday = 0. */
const EPOCH_WEEKDAY = 3
/** Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar. */
const EPOCH_SHIFT = 719_468
const DAYS_PER_ERA = 146_097

/**
 * Adds nodes computing `parts` of `ms` (a double [N, 1] of epoch milliseconds) and returns one
 * [N, 1] value per part, in order; NaN where `ms` is NaN or outside Date's range.
 *
 * Every quotient floored here divides a whole number below 2^53 by one of at most 8.64e7, with a
 * result below 2^27: a quotient that is not whole lies at least 1/divisor (≥ 1.1e-8) from the
 * next integer, farther than the division's rounding (≤ 2^-27 ≈ 7.5e-9) can move it, so
 * Floor(a / b) is exactly ⌊a / b⌋.
 */
export function datePartsGraph(g: GraphBuilder, ms: string, parts: readonly DatePart[], prefix: string): string[] {
  const k = (v: number) => g.shared(`c${v}`, 'double', [v])
  const op = (type: string, inputs: string[], base: string) => g.op(type, inputs, `${prefix}_${base}`)
  const add = (a: string, b: string, base: string) => op('Add', [a, b], base)
  const sub = (a: string, b: string, base: string) => op('Sub', [a, b], base)
  const times = (a: string, v: number, base: string) => op('Mul', [a, k(v)], base)
  const floorDiv = (a: string, v: number, base: string) => op('Floor', [op('Div', [a, k(v)], `${base}_q`)], base)

  // Date's TimeClip: NaN out of range, else truncation toward zero (so -0.5 ms is 00:00, not 23:59)
  const clipped = op('Where', [op('Greater', [op('Abs', [ms], 'abs'), k(MAX_TIME)], 'out_of_range'), k(Number.NaN), ms], 'clipped')
  const time = op('Where', [op('Less', [clipped, k(0)], 'negative'), op('Ceil', [clipped], 'ceil'), op('Floor', [clipped], 'floor')], 'time')
  const days = floorDiv(time, MS_PER_DAY, 'days')

  let civil: { year: string; month: string; day: string } | undefined
  // Howard Hinnant's civil_from_days: years start on March 1st, so leap days end them
  const civilDate = () => {
    if (civil) return civil
    const z = add(days, k(EPOCH_SHIFT), 'z')
    const era = floorDiv(z, DAYS_PER_ERA, 'era')
    const doe = sub(z, times(era, DAYS_PER_ERA, 'era_days'), 'doe')
    const leap = sub(
      add(sub(doe, floorDiv(doe, 1460, 'doe_4y'), 'yoe_a'), floorDiv(doe, 36_524, 'doe_100y'), 'yoe_b'),
      floorDiv(doe, 146_096, 'doe_400y'),
      'yoe_c',
    )
    const yoe = floorDiv(leap, 365, 'yoe')
    const yearDays = sub(add(times(yoe, 365, 'yoe_365'), floorDiv(yoe, 4, 'yoe_4'), 'doy_a'), floorDiv(yoe, 100, 'yoe_100'), 'doy_b')
    const doy = sub(doe, yearDays, 'doy')
    const mp = floorDiv(add(times(doy, 5, 'doy_5'), k(2), 'mp_a'), 153, 'mp')
    const day = add(sub(doy, floorDiv(add(times(mp, 153, 'mp_153'), k(2), 'day_a'), 5, 'day_b'), 'day_c'), k(1), 'day')
    // months 10 and 11 of the March-based year are January and February of the next
    const nextYear = floorDiv(mp, 10, 'jan_feb')
    const month = sub(add(mp, k(3), 'month_a'), times(nextYear, 12, 'month_b'), 'month')
    const year = add(add(yoe, times(era, 400, 'era_years'), 'year_a'), nextYear, 'year')
    civil = { year, month, day }
    return civil
  }
  const compute: Record<DatePart, () => string> = {
    year: () => civilDate().year,
    month: () => civilDate().month,
    day: () => civilDate().day,
    dayOfWeek: () => {
      const shifted = add(days, k(EPOCH_WEEKDAY), 'weekday_a')
      return sub(shifted, times(floorDiv(shifted, 7, 'weeks'), 7, 'weekday_b'), 'weekday')
    },
    hour: () => floorDiv(sub(time, times(days, MS_PER_DAY, 'day_start'), 'ms_of_day'), MS_PER_HOUR, 'hour'),
  }
  return parts.map((part) => compute[part]())
}
