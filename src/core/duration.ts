/** @module Durations as the config and the CLI write them: '90s', '30m', '12h', '2d', '1w'. */

const UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/**
 * A duration in milliseconds, or undefined when `text` is not one (callers raise the error
 * that fits their place: a config key, a command-line option).
 *
 * @example
 * ```ts
 * parseDuration('2d') // 172800000
 * parseDuration('soon') // undefined
 * ```
 */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(text.trim())
  return match ? Number(match[1]) * (UNITS[match[2] as string] as number) : undefined
}
