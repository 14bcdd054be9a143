/**
 * @module CLI output: JSON for machines, aligned tables for people, errors as
 * one line without a stack trace.
 */
import { styleText } from 'node:util'
import { isDebug, wantsColor } from '../core/config.js'
import { type KeelError, toKeelError } from '../core/errors.js'

/** Where and how a command writes; injected so tests can capture it. */
export interface Output {
  readonly json: boolean
  readonly color: boolean
  out(text: string): void
  err(text: string): void
}

export function terminalOutput(json: boolean): Output {
  return {
    json,
    color: wantsColor(process.stdout.isTTY === true),
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  }
}

/** JSON.stringify that keeps NaN and ±Infinity as the strings "NaN", "Infinity", "-Infinity". */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)
}

export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan'

export function paint(output: Output, style: Style, text: string): string {
  return output.color ? styleText(style, text) : text
}

/** Left-aligned columns separated by two spaces; `styleRow` may colour whole rows. */
export function table(output: Output, headers: readonly string[], rows: readonly (readonly string[])[], styleRow?: (row: number) => Style | undefined): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  const body = rows.map((r, i) => {
    const style = styleRow?.(i)
    return style ? paint(output, style, line(r)) : line(r)
  })
  return [paint(output, 'bold', line(headers)), ...body].join('\n')
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value)
  if (Number.isInteger(value)) return String(value)
  return Number(value.toPrecision(6)).toString()
}

export function formatTime(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19)
}

export function formatDuration(start: number, end: number | null): string {
  if (end === null) return '-'
  const s = (end - start) / 1000
  if (s < 60) return `${s.toFixed(1)}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${Math.round(s % 60)}s`
  return `${Math.floor(s / 3600)}h${Math.round((s % 3600) / 60)}m`
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`
  return `${(n / 1024 ** 3).toFixed(1)} GiB`
}

/** Prints an error as one line (plus the stack under KEEL_DEBUG=1) and returns the exit code. */
export function reportError(output: Output, thrown: unknown): number {
  const error: KeelError = toKeelError(thrown)
  if (output.json) {
    output.err(JSON.stringify({ error: error.toJSON() }))
  } else {
    output.err(`${paint(output, 'red', `error ${error.code}:`)} ${error.message}. ${paint(output, 'dim', error.hint)}`)
  }
  if (isDebug()) output.err(String((thrown as Error)?.stack ?? thrown))
  return error.exitCode
}

/**
 * A progress bar on stderr for people at a terminal (reading, checking, writing); scripts,
 * logs and `--json` get only the result.
 */
export function progressFor(out: Output, title: string): { onProgress?: (percent: number, label: string) => void } {
  if (out.json || !process.stderr.isTTY) return {}
  const width = 24
  return {
    onProgress(percent, label) {
      const done = Math.round((Math.min(100, percent) / 100) * width)
      process.stderr.write(`\r${title}: ${label.padEnd(8)} [${'#'.repeat(done)}${'.'.repeat(width - done)}] ${percent.toFixed(0).padStart(3)}%`)
      if (percent >= 100) process.stderr.write('\n')
    },
  }
}
