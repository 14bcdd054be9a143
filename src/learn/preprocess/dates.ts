/** @module Calendar parts of timestamps (UTC), as numeric features. */

/** `dayOfWeek` counts from Monday = 0, as pandas does. */
export const DATE_PARTS = ['year', 'month', 'day', 'dayOfWeek', 'hour'] as const
export type DatePart = (typeof DATE_PARTS)[number]

/** One calendar part of epoch milliseconds; NaN stays NaN. */
export function datePart(ms: number, part: DatePart): number {
  if (Number.isNaN(ms)) return Number.NaN
  const d = new Date(ms)
  switch (part) {
    case 'year':
      return d.getUTCFullYear()
    case 'month':
      return d.getUTCMonth() + 1
    case 'day':
      return d.getUTCDate()
    case 'dayOfWeek':
      return (d.getUTCDay() + 6) % 7
    case 'hour':
      return d.getUTCHours()
  }
}

/** A column of one date part. */
export function datePartColumn(values: Float64Array, part: DatePart): Float64Array {
  const out = new Float64Array(values.length)
  for (let i = 0; i < values.length; i++) out[i] = datePart(values[i] as number, part)
  return out
}
