/**
 * @module `keel models import`: an XGBoost JSON or ONNX model trained elsewhere, converted to a
 * native Keel model, checked against its source on sample rows, then registered.
 */
import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import type { Command } from 'commander'
import { currentUser } from '../../core/config.js'
import { KeelError } from '../../core/errors.js'
import type { Frame } from '../../core/frame.js'
import { readFrame } from '../../data/readers/read-frame.js'
import { checkOnnxImport, compareImport, type ImportCheck, splitSample } from '../../learn/import/check.js'
import { readOnnxImport } from '../../learn/import/onnx.js'
import { importXgboost } from '../../learn/import/xgboost.js'
import { xgboostReference } from '../../learn/import/xgboost-reference.js'
import type { Model } from '../../learn/model.js'
import type { ModelVersion } from '../../stores/metadata-store.js'
import type { CommandContext } from '../context.js'
import { toJson } from '../output.js'

interface ImportOptions {
  readonly name: string
  readonly label: string
  readonly features?: string
  readonly classes?: string
  readonly sample?: string
}

interface Converted {
  readonly model: Model
  readonly format: 'ONNX' | 'XGBoost'
  /** Compares the converted model with its source on `frame`. */
  readonly check: (frame: Frame) => Promise<ImportCheck>
}

const split = (s: string | undefined) => (s === undefined ? undefined : s.split(',').map((x) => x.trim()))

async function convert(file: string, opts: ImportOptions): Promise<Converted> {
  const features = split(opts.features)
  const classes = split(opts.classes)
  const names = { label: opts.label, ...(features ? { features } : {}), ...(classes ? { classes } : {}) }
  const ext = extname(file).toLowerCase()
  if (ext === '.onnx') {
    const imported = readOnnxImport(await readFile(file), names)
    return { model: imported.model, format: 'ONNX', check: (frame) => checkOnnxImport(imported, frame) }
  }
  if (ext !== '.json') throw new KeelError('CLI_USAGE', `import takes an XGBoost model (.json) or an ONNX model (.onnx); got ${file}`)
  let json: unknown
  try {
    json = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    throw new KeelError('MODEL_FORMAT_UNSUPPORTED', `${file} is not readable JSON: ${(error as Error).message}`)
  }
  const model = importXgboost(json, names)
  const reference = (frame: Frame) => xgboostReference(json, model.features, model.link, frame)
  return { model, format: 'XGBoost', check: async (frame) => compareImport(model, frame, reference(frame), 'xgboost-json') }
}

/** The rows to check on: the model's features from `--sample`, else rows around every split. */
async function sampleRows(model: Model, sample: string | undefined): Promise<Frame> {
  if (sample === undefined) return splitSample(model)
  const frame = await readFrame(sample)
  const missing = model.features.filter((f) => !frame.has(f.name)).map((f) => f.name)
  if (missing.length > 0)
    throw new KeelError('CLI_USAGE', `--sample ${sample} has no column ${missing.map((m) => `"${m}"`).join(', ')} (pass --features to name the model's inputs)`)
  return frame.select(model.features.map((f) => f.name))
}

/** Adds `import` to `keel models`; `summary` renders the registered version. */
export function registerModelImport(models: Command, context: (cmd: Command) => CommandContext, summary: (v: ModelVersion) => object): void {
  models
    .command('import')
    .description(
      'register a model trained elsewhere: XGBoost JSON (save_model("m.json")) or ONNX (tree ensembles, linear models), checked against its source first',
    )
    .argument('<file>', 'the model file (.json or .onnx)')
    .requiredOption('--name <name>', 'model name to register under')
    .requiredOption('--label <column>', 'what the model predicts')
    .option('--features <names>', "comma-separated feature names in column order (default: the model's own, else f0, f1, …)")
    .option('--classes <labels>', "comma-separated class labels in output order (default: the model's own, else 0, 1, …)")
    .option('--sample <csv>', "rows (with the model's feature columns) to check the conversion on; default rows around every split")
    .option('--json', 'print the registered version and the check as JSON')
    .action((file: string, opts: ImportOptions, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        // converted and checked before anything is written: a mismatch registers nothing
        const { model, format, check } = await convert(file, opts)
        const sample = await sampleRows(model, opts.sample)
        const checked = await check(sample)
        const v = await project.registry.register({
          name: opts.name,
          model,
          createdBy: currentUser(),
          card: { intendedUse: `Imported from ${file} (${format}).` },
          evaluation: { importCheck: checked },
          checkOnnxOn: sample,
        })
        if (out.json) return out.out(toJson({ ...summary(v), importCheck: checked }))
        out.out(
          `registered ${v.name}@${v.version} (imported from ${file}; checked against ${checked.reference} on ${checked.rows} rows, max difference ${checked.maxDifference.toPrecision(2)})`,
        )
      }),
    )
}
