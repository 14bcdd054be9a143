/**
 * @module `keel contract infer <source>`: a contract proposed from the data, as TypeScript to paste into keel.config.ts.
 */
import { existsSync } from 'node:fs'
import { basename, extname, resolve } from 'node:path'
import type { Command } from 'commander'
import { interpolateEnv } from '../../core/config.js'
import { datasetFrom } from '../../data/dataset.js'
import { contractInferText } from '../../data/profile/index.js'
import { loadSource } from '../../data/sources/load.js'
import { csv, jsonl, parquet, type Source } from '../../data/sources/source.js'
import { ident, join, sql } from '../../data/sql.js'
import { loadResolvedConfig } from '../../project.js'
import { openDataEngine } from '../../stores/open.js'
import type { CommandContext } from '../context.js'
import { progressFor, toJson } from '../output.js'

type Ctx = (cmd: Command) => CommandContext

export function registerContract(program: Command, context: Ctx): void {
  const group = program.command('contract').description('data contracts')
  group
    .command('infer')
    .description('propose a contract from the data (types, ranges, categories, null rates) as TypeScript for keel.config.ts')
    .argument('<source>', 'a CSV, Parquet or JSON-lines file (or glob), or the name of a dataset in keel.config.ts')
    .option('--name <name>', 'name of the exported constant (default: from the file or dataset name)')
    .option('--json', 'print { name, text } as JSON')
    .action(async (given: string, opts: { name?: string }, cmd: Command) => {
      const { output, globals } = context(cmd)
      const { source, root, name } = await resolveSource(given, globals)
      const engine = await openDataEngine(progressFor(output, `infer ${given}`))
      try {
        const loaded = await loadSource(engine, 'keel_infer_source', source, { root, interpolate: (v, key) => interpolateEnv(v, key) })
        const relation = sql`SELECT ${join(loaded.columns.map((c) => ident(c)))} FROM ${ident(loaded.table)}`
        const text = await contractInferText(engine, relation, opts.name ?? name)
        output.out(output.json ? toJson({ name: opts.name ?? name, rows: loaded.rows, text }) : text)
      } finally {
        await engine.close()
      }
    })
}

/** A file path (by extension), else a dataset declared in the project's config. */
async function resolveSource(given: string, globals: { project?: string; env?: string }): Promise<{ source: Source; root: string; name: string }> {
  const ext = extname(given).toLowerCase()
  const stem = basename(given, extname(given)).replace(/[*?]/g, '') || 'inferred'
  if (ext === '.csv' || ext === '.tsv' || ext === '.parquet' || ext === '.jsonl' || ext === '.ndjson' || existsSync(given)) {
    const source = ext === '.parquet' ? parquet(given) : ext === '.jsonl' || ext === '.ndjson' ? jsonl(given) : csv(given)
    return { source, root: resolve(globals.project ?? process.cwd()), name: stem }
  }
  const config = await loadResolvedConfig(globals.project ?? process.cwd(), {
    ...(globals.env === undefined ? {} : { env: globals.env }),
    search: globals.project === undefined,
  })
  return { source: datasetFrom(config.datasets, given).source, root: config.root, name: given }
}
