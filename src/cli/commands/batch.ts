/**
 * @module `keel batch <model> --input <csv|parquet|sql:query> --output <parquet|csv>`: score a file
 * or query with a registered version, in chunks, with a progress bar in a terminal.
 */
import type { Command } from 'commander'
import { isCi } from '../../core/config.js'
import { KeelError } from '../../core/errors.js'
import type { BatchProgress, BatchResult } from '../../serve/batch.js'
import type { CommandContext } from '../context.js'
import { type Output, paint, toJson } from '../output.js'

interface BatchFlags {
  readonly input: string
  readonly output: string
  readonly rejects?: string
  readonly chunkRows?: string
  readonly memoryLimit?: string
}

export function registerBatch(program: Command, context: (cmd: Command) => CommandContext): void {
  program
    .command('batch')
    .description(
      'score a CSV or Parquet file (or a DuckDB query) with a model version, in chunks; write the output atomically, invalid rows to a rejects file, and record a run',
    )
    .argument('<model>', 'name, name@version or name@alias')
    .requiredOption('--input <source>', 'a .csv or .parquet file, or sql:<DuckDB query over files>')
    .requiredOption('--output <file>', 'a .parquet or .csv file: row, the input columns, the predictions')
    .option('--rejects <file>', 'where rejected rows go (default: <output name>.rejects.csv beside the output)')
    .option('--chunk-rows <n>', 'rows validated and predicted at a time (default 50000)')
    .option('--memory-limit <size>', "DuckDB's memory ceiling for reading and writing, e.g. 512MB (default 1GB); past it, it spills to disk")
    .option('--json', 'print the result as JSON (no progress)')
    .action(async (ref: string, flags: BatchFlags, cmd: Command) => {
      const ctx = context(cmd)
      const out = ctx.output
      const chunkRows = flags.chunkRows === undefined ? undefined : Number(flags.chunkRows)
      if (chunkRows !== undefined && !(Number.isSafeInteger(chunkRows) && chunkRows > 0))
        throw new KeelError('CLI_USAGE', `--chunk-rows must be a positive whole number; got ${flags.chunkRows}`)
      // loaded here: DuckDB is large, and most commands never need it
      const { scoreBatch } = await import('../../serve/batch.js')
      await ctx.withProject(async (project) => {
        const bar = progressBar(out)
        const abort = new AbortController()
        const stop = () => abort.abort()
        process.once('SIGINT', stop).once('SIGTERM', stop)
        try {
          const result = await scoreBatch(project, ref, {
            input: flags.input,
            output: flags.output,
            ...(flags.rejects === undefined ? {} : { rejects: flags.rejects }),
            ...(chunkRows === undefined ? {} : { chunkRows }),
            ...(flags.memoryLimit === undefined ? {} : { memoryLimit: flags.memoryLimit }),
            ...(bar === undefined ? {} : { onProgress: bar.update }),
            signal: abort.signal,
          })
          bar?.done()
          out.out(out.json ? toJson(result) : describe(out, result))
        } finally {
          bar?.done()
          process.off('SIGINT', stop).off('SIGTERM', stop)
        }
      })
    })
}

/** A bar on stderr for a person at a terminal; scripts, CI logs and `--json` get only the result. */
function progressBar(out: Output): { update: (p: BatchProgress) => void; done: () => void } | undefined {
  if (out.json || !process.stderr.isTTY || isCi()) return undefined
  let open = false
  let last = 0
  return {
    update(p) {
      const now = Date.now()
      if (now - last < 100 && p.percent < 100) return
      last = now
      process.stderr.write(`\r${progressLine(p)}\x1b[K`)
      open = true
    },
    done() {
      if (open) process.stderr.write('\n')
      open = false
    },
  }
}

/** `scoring  [#####…] 41%  412,000/1,000,000 rows · 3 rejected · ETA 4s`; DuckDB reports no progress for some statements, so those get no bar. */
export function progressLine(p: BatchProgress): string {
  const width = 24
  const filled = Math.round((Math.min(100, p.percent) / 100) * width)
  const bar = p.phase !== 'scoring' && p.percent <= 0 ? '…' : ` [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.percent.toFixed(0).padStart(3)}%`
  const counts = p.total > 0 ? `  ${count(p.done)}/${count(p.total)} rows · ${count(p.rejected)} rejected` : ''
  const rate = p.seconds > 0 ? p.done / p.seconds : 0
  const eta = p.phase === 'scoring' && rate > 0 ? ` · ETA ${Math.ceil((p.total - p.done) / rate)}s` : ''
  return `${p.phase}${bar}${counts}${eta}`
}

function count(n: number): string {
  return n.toLocaleString('en-US')
}

function describe(out: Output, r: BatchResult): string {
  const lines = [
    `${paint(out, 'bold', `batch ${r.model.name}@${r.model.version}`)}: ${count(r.rows.in)} rows in ${r.seconds.toFixed(1)}s (${count(Math.round(r.rowsPerSecond))} rows/s)`,
    `  ${paint(out, 'green', `${count(r.rows.scored)} scored`)} → ${r.output}`,
  ]
  if (r.rejects !== null) lines.push(`  ${paint(out, 'yellow', `${count(r.rows.rejected)} rejected`)} → ${r.rejects}`)
  else lines.push('  0 rejected')
  lines.push(paint(out, 'dim', `run ${r.runId} · keel runs show ${r.runId.slice(0, 8)}`))
  return lines.join('\n')
}
