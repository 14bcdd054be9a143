/**
 * @module `keel train <model>`: run a model spec's training pipeline; `keel train --data <file>
 * --label <column>` first writes a contract and a spec for the file into keel.config.ts.
 */
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { KeelError } from '../../core/errors.js'
import { inProcessExecutor } from '../../pipeline/executor.js'
import { quickStart } from '../../pipeline/quick-start.js'
import type { StepEvent } from '../../pipeline/runner.js'
import type { TrainEvent } from '../../pipeline/train/steps.js'
import { gatesFailed, type TrainResult, train } from '../../pipeline/train/train.js'
import type { CommandContext } from '../context.js'
import { formatNumber, type Output, paint, toJson } from '../output.js'

type Ctx = (cmd: Command) => CommandContext

interface TrainFlags {
  readonly data?: string
  readonly label?: string
  readonly task?: string
  readonly name?: string
  readonly concurrency?: string
}

export function registerTrain(program: Command, context: Ctx): void {
  program
    .command('train')
    .description(
      'train a model spec: snapshot its data, fit the baseline and the candidates (cached), select by validation score, evaluate on the test rows, check the gates, register',
    )
    .argument('[model]', 'a model declared under `models` in keel.config.ts')
    .option('--data <file>', 'quick path: a CSV, Parquet or JSON-lines file to train on (writes its contract and a model spec into keel.config.ts)')
    .option('--label <column>', 'quick path: the column to predict')
    .option('--task <task>', 'quick path: binary, multiclass, regression or auto', 'auto')
    .option('--name <name>', 'quick path: dataset and model name (default: from the file name)')
    .option('--concurrency <n>', 'steps run at once (default 2)')
    .option('--json', 'print the result as JSON (no progress)')
    .action(async (given: string | undefined, flags: TrainFlags, cmd: Command) => {
      const ctx = context(cmd)
      const out = ctx.output
      let name = given
      if (flags.data !== undefined || flags.label !== undefined) {
        if (given !== undefined) throw new KeelError('CLI_USAGE', 'give either a model name or --data with --label, not both')
        if (flags.data === undefined || flags.label === undefined) throw new KeelError('CLI_USAGE', '--data and --label go together')
        const task = flags.task ?? 'auto'
        if (!['auto', 'binary', 'multiclass', 'regression'].includes(task))
          throw new KeelError('CLI_USAGE', `--task must be auto, binary, multiclass or regression; got ${task}`)
        const quick = await quickStart({
          root: resolve(ctx.globals.project ?? process.cwd()),
          file: flags.data,
          label: flags.label,
          task: task as 'auto',
          ...(flags.name === undefined ? {} : { name: flags.name }),
        })
        name = quick.name
        if (!out.json) {
          out.err(
            `${quick.createdProject ? 'created a Keel project and ' : ''}wrote dataset "${quick.name}" (with an inferred contract) and model "${quick.name}" (${quick.task}) into ${quick.configPath}`,
          )
        }
      }
      if (name === undefined) throw new KeelError('CLI_USAGE', 'name a model to train, or give --data <file> --label <column>')
      const concurrency = flags.concurrency === undefined ? 2 : Number(flags.concurrency)
      if (!Number.isInteger(concurrency) || concurrency < 1)
        throw new KeelError('CLI_USAGE', `--concurrency must be a positive integer; got ${flags.concurrency}`)
      const model = name
      await ctx.withProject(async (project) => {
        const bars = progress(out)
        const result = await train(project, model, { executor: inProcessExecutor({ concurrency }), ...bars }).finally(() => bars.done())
        if (out.json) out.out(toJson(result))
        else out.out(describe(out, result))
        if (result.gates.declared && !result.gates.passed) throw gatesFailed(result)
      })
    })
}

/** Progress on stderr for a person at a terminal: a line per step and a bar per candidate's trials. */
function progress(out: Output): { onStep?: (e: StepEvent) => void; onProgress?: (e: TrainEvent) => void; done: () => void } {
  if (out.json || !process.stderr.isTTY) return { done: () => undefined }
  let open = false
  const clear = () => {
    if (open) process.stderr.write('\n')
    open = false
  }
  return {
    onStep(e) {
      if (e.kind === 'start' || e.status === 'ran') return
      clear()
      process.stderr.write(`  ${e.step.padEnd(18)} ${e.status}\n`)
    },
    onProgress(e) {
      if (e.kind !== 'trial') return
      const width = 20
      const filled = Math.round((e.done / e.expected) * width)
      process.stderr.write(
        `\r  fit ${e.candidate.padEnd(14)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${e.done}/${e.expected} trials  cv ${e.metric} ${formatNumber(e.score)}   `,
      )
      open = true
      if (e.done >= e.expected) clear()
    },
    done: clear,
  }
}

function describe(out: Output, r: TrainResult): string {
  const lines: string[] = []
  const cachedSteps = r.steps.filter((s) => s.status === 'cached').length
  lines.push(
    `${paint(out, 'bold', `train ${r.model}`)}: snapshot ${r.snapshot.slice(0, 12)} · ${r.task} · ${r.rows.train} train / ${r.rows.test} test rows · ${cachedSteps} of ${r.steps.length} steps from cache`,
  )
  if (r.cached) lines.push(paint(out, 'dim', `nothing changed: every output came from the cache (run ${r.runId ?? '—'})`))
  lines.push(`candidates by validation ${r.metric}:`)
  for (const c of r.ranking) {
    const mark = c.name === r.selected ? paint(out, 'green', ' ← selected') : ''
    lines.push(
      `  ${c.name.padEnd(16)} ${formatNumber(c.meanScore)} ± ${formatNumber(c.stdScore)}  (${c.learner}, ${c.trials} trial${c.trials === 1 ? '' : 's'})${mark}`,
    )
  }
  const show = (scores: Record<string, number | undefined>) =>
    Object.entries(scores)
      .slice(0, 5)
      .map(([k, v]) => `${k} ${v === undefined ? '—' : formatNumber(v)}`)
      .join('  ')
  lines.push(`test:     ${show(r.test)}`)
  lines.push(`baseline: ${show(r.baseline)}`)
  if (!r.gates.declared) lines.push(paint(out, 'yellow', 'gates: none declared — the version is registered but never approved automatically'))
  for (const g of r.gates.results) lines.push(`${g.passed ? paint(out, 'green', '✓') : paint(out, 'red', '✗')} ${g.gate}: ${g.detail}`)
  for (const g of r.gates.skipped) lines.push(`${paint(out, 'dim', '–')} ${g.gate}: skipped (${g.detail})`)
  if (r.version) {
    const v = r.version
    if (r.alreadyRegistered) lines.push(`already registered as ${v.name}@${v.version} (${v.status}): the selected model is unchanged`)
    else {
      lines.push(paint(out, 'green', `registered ${v.name}@${v.version} (${v.status}${r.promoted ? ', now champion' : ''})`))
      if (v.status === 'pending') lines.push(paint(out, 'dim', `approve it with: keel models approve ${v.name}@${v.version} --reason "…"`))
    }
  } else lines.push(paint(out, 'red', 'nothing registered'))
  if (r.runId) lines.push(paint(out, 'dim', `run ${r.runId} · keel runs show ${r.runId.slice(0, 8)}`))
  return lines.join('\n')
}
