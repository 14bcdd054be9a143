/**
 * @module The quick path, `keel train --data <file> --label <column>`: infer a contract and a
 * model spec for a file and write both into keel.config.ts, so the next run is reproducible
 * and the spec is there to edit.
 */
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { basename, extname, isAbsolute, join, relative, resolve } from 'node:path'
import { interpolateEnv } from '../core/config.js'
import { loadConfigFile } from '../core/config-file.js'
import { KeelError } from '../core/errors.js'
import { contractInferText, identifier } from '../data/profile/index.js'
import { readFrame } from '../data/readers/read-frame.js'
import { loadSource } from '../data/sources/load.js'
import { csv, jsonl, parquet, type Source } from '../data/sources/source.js'
import { ident, join as joinSql, sql } from '../data/sql.js'
import { initProject } from '../init.js'
import { STANDARD_METRICS } from '../learn/metrics/table.js'
import type { Task } from '../learn/model.js'
import { prepareTraining } from '../learn/training-data.js'
import { loadResolvedConfig } from '../project.js'
import { openDataEngine } from '../stores/open.js'
import { modelSpecFrom } from './model-spec.js'

export interface QuickStartOptions {
  /** The project directory; a project is created there when it has no keel.config.ts. */
  readonly root: string
  readonly file: string
  readonly label: string
  readonly task?: Task | 'auto'
  /** Dataset and model name; default from the file name. */
  readonly name?: string
}

export interface QuickStartResult {
  readonly name: string
  readonly task: Task
  readonly configPath: string
  /** A new project was created for it. */
  readonly createdProject: boolean
}

/**
 * Declares dataset and model `name` for `file` in the project's keel.config.ts.
 *
 * @example
 * ```ts
 * const { name } = await quickStart({ root: '.', file: 'data/weather.csv', label: 'weather' })
 * await train(await openProject('.'), name)
 * ```
 */
export async function quickStart(options: QuickStartOptions): Promise<QuickStartResult> {
  const root = resolve(options.root)
  const absolute = isAbsolute(options.file) ? options.file : resolve(options.file)
  if (!existsSync(absolute)) throw new KeelError('DATA_READ_FAILED', `${options.file} does not exist`)
  const name = options.name ?? (identifier(basename(absolute, extname(absolute))) || 'model')
  const configPath = join(root, 'keel.config.ts')
  const createdProject = !existsSync(configPath)
  if (createdProject) await initProject(root)
  const original = await readFile(configPath, 'utf8')
  const { raw } = await loadConfigFile(configPath)
  const declared = raw as { datasets?: Record<string, unknown>; models?: Record<string, unknown> }
  for (const [group, names] of [
    ['datasets', declared.datasets],
    ['models', declared.models],
  ] as const) {
    if (names?.[name] !== undefined) {
      throw new KeelError('CLI_USAGE', `keel.config.ts already declares ${group}.${name}`, {
        hint: `Train it with \`keel train ${name}\`, or pass --name to choose another name.`,
      })
    }
  }
  const fileInProject = relative(root, absolute).split('\\').join('/')
  const path = fileInProject.startsWith('..') ? absolute : fileInProject
  const source = sourceFor(path)
  const contractText = await inferContractText(source, root, name)
  const task = options.task === undefined || options.task === 'auto' ? prepareTraining(await readFrame(absolute), { label: options.label }).task : options.task
  const text = addToConfig(original, {
    imports: ['contract', 'dataset', 'model', source.kind],
    before: contractText.trimEnd(),
    datasets: `${objectKey(name)}: dataset({ source: ${source.kind}(${JSON.stringify(path)}), contract: ${identifier(name)}Contract })`,
    models: `${objectKey(name)}: model(${specText(name, options.label, task)})`,
  })
  await writeFile(configPath, text)
  try {
    modelSpecFrom((await loadResolvedConfig(root, { search: false })).models, name)
  } catch (error) {
    // never leave a config the user cannot load
    await writeFile(configPath, original)
    throw error
  }
  return { name, task, configPath, createdProject }
}

/** An object key as a person writes it: bare when it is an identifier. */
function objectKey(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name)
}

function sourceFor(path: string): Source {
  const ext = extname(path).toLowerCase()
  if (ext === '.parquet' || ext === '.pq') return parquet(path)
  if (ext === '.jsonl' || ext === '.ndjson') return jsonl(path)
  return csv(path)
}

async function inferContractText(source: Source, root: string, name: string): Promise<string> {
  const engine = await openDataEngine()
  try {
    const loaded = await loadSource(engine, 'keel_quick_source', source, { root, interpolate: (v, key) => interpolateEnv(v, key) })
    return await contractInferText(engine, sql`SELECT ${joinSql(loaded.columns.map((c) => ident(c)))} FROM ${ident(loaded.table)}`, name)
  } finally {
    await engine.close()
  }
}

/** A first spec: the linear learner of the task and a small GBDT grid, gated on beating the baseline. */
export function specText(name: string, label: string, task: Task): string {
  const metric = STANDARD_METRICS[task][0]
  const linear = task === 'regression' ? "{ learner: 'linear' }" : "{ learner: 'logistic' }"
  return `{
      data: ${JSON.stringify(name)},
      label: ${JSON.stringify(label)},
      task: '${task}',
      candidates: {
        ${task === 'regression' ? 'linear' : 'logistic'}: ${linear},
        gbdt: { learner: 'gbdt', space: { learningRate: [0.05, 0.1], maxDepth: [3, 6] } },
      },
      validation: { kind: 'kfold', folds: 5 },
      select: { metric: '${metric}' },
      gates: { beatBaseline: { metric: '${metric}', by: 0 } },
    }`
}

interface Additions {
  readonly imports: readonly string[]
  /** Statements to place before `export default`. */
  readonly before: string
  readonly datasets: string
  readonly models: string
}

/**
 * Inserts declarations into a config's source text: names into the `from 'keel'` import,
 * statements before `export default`, entries at the start of `datasets: {` and `models: {`
 * (or new keys after `defineProject({`). Refuses a layout it does not recognise.
 */
export function addToConfig(text: string, add: Additions): string {
  const unrecognised = (what: string) =>
    new KeelError('CONFIG_INVALID', `cannot add the model to keel.config.ts: ${what}`, {
      hint: 'Add the dataset and the model by hand (docs/training.md shows both), then run `keel train <name>`.',
    })
  let out = text
  const imports = /import\s*\{([^}]*)\}\s*from\s*['"]keel['"]/.exec(out)
  if (!imports) throw unrecognised("it has no `import { … } from 'keel'`")
  const names = new Set(
    (imports[1] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  for (const n of add.imports) names.add(n)
  out = out.replace(imports[0], `import { ${[...names].sort().join(', ')} } from 'keel'`)
  const exportAt = out.search(/^export default/m)
  if (exportAt < 0) throw unrecognised('it has no `export default`')
  out = `${out.slice(0, exportAt)}${add.before}\n\n${out.slice(exportAt)}`
  // models first: each new key goes right after the name, so datasets end up above models
  for (const [key, entry] of [
    ['models', add.models],
    ['datasets', add.datasets],
  ] as const) {
    const existing = new RegExp(`^(\\s*)${key}:\\s*\\{`, 'm').exec(out)
    if (existing) {
      const at = existing.index + existing[0].length
      out = `${out.slice(0, at)}\n${existing[1]}  ${entry},${out.slice(at)}`
      continue
    }
    const project = /defineProject\(\s*\{/.exec(out)
    if (!project) throw unrecognised('it does not call `defineProject({ … })`')
    // after the project's name when it comes first, as in the config `keel init` writes
    const name = /^\s*name:.*,\s*$/m.exec(out.slice(project.index))
    const at = name ? project.index + name.index + name[0].length : project.index + project[0].length
    out = `${out.slice(0, at)}\n  ${key}: {\n    ${entry},\n  },${out.slice(at)}`
  }
  return out
}
