/**
 * @module `keel features apply | list`: feature view versions. Subcommands of the same group
 * are added by functions taking the group (`registerFeaturesApply(features, context)`).
 */
import type { Command } from 'commander'
import { currentUser } from '../../core/config.js'
import { applyFeatureViews, type FeatureViewPlan, listFeatureViews, planFeatureViews } from '../../features/versions.js'
import type { CommandContext } from '../context.js'
import { type Output, paint, table, toJson } from '../output.js'

type Ctx = (cmd: Command) => CommandContext

/** Creates the `features` command group with `apply` and `list`, and returns it for more subcommands. */
export function registerFeatures(program: Command, context: Ctx): Command {
  const features = program
    .command('features')
    .description('feature views: register versions, list them, materialize them to the online store, look entities up')
  registerFeaturesApply(features, context)
  registerFeaturesList(features, context)
  return features
}

export function registerFeaturesApply(features: Command, context: Ctx): void {
  features
    .command('apply')
    .description('register the current version of every feature view and show what changed since the last registered one')
    .option('--dry-run', 'show the plan; register nothing')
    .option('--json', 'print the plan as JSON')
    .action((opts: { dryRun?: boolean }, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        const plan = opts.dryRun === true ? await planFeatureViews(project) : await applyFeatureViews(project, { user: currentUser() })
        if (out.json) return out.out(toJson({ applied: opts.dryRun !== true, views: plan }))
        printPlan(out, plan, opts.dryRun === true)
      }),
    )
}

export function registerFeaturesList(features: Command, context: Ctx): void {
  features
    .command('list')
    .description('list feature views with their current and newest registered versions')
    .option('--json', 'print as JSON')
    .action((_opts: unknown, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        const list = await listFeatureViews(project)
        if (out.json) return out.out(toJson(list))
        if (list.length === 0) return out.out('no feature views declared (add `featureViews` to keel.config.ts)')
        out.out(
          table(
            out,
            ['view', 'source', 'entities', 'features', 'ttl', 'current', 'registered', 'versions'],
            list.map((v) => [
              v.name,
              v.source ?? '–',
              v.entities.join(', '),
              String(v.features.length),
              v.ttlMs === null ? '–' : durationText(v.ttlMs),
              short(v.current),
              short(v.registered),
              String(v.versions),
            ]),
            (i) => (list[i]?.applied ? undefined : 'yellow'),
          ),
        )
        const pending = list.filter((v) => !v.applied && v.current !== null).length
        if (pending > 0) out.out(paint(out, 'yellow', `${pending} view(s) not applied: run \`keel features apply\``))
      }),
    )
}

const short = (version: string | null) => (version === null ? '–' : version.slice(0, 12))

function durationText(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`
  }
  return `${ms}ms`
}

function fieldText(field: string, value: unknown): string {
  if (value === null) return 'none'
  if (field === 'ttlMs' && typeof value === 'number') return durationText(value)
  return Array.isArray(value) ? value.join(', ') : String(value)
}

function printPlan(out: Output, plan: readonly FeatureViewPlan[], dryRun: boolean): void {
  if (plan.length === 0) {
    out.out('no feature views declared (add `featureViews` to keel.config.ts)')
    return
  }
  const marks = { new: ['+', 'green'], changed: ['~', 'yellow'], unchanged: ['=', 'dim'], undeclared: ['!', 'red'] } as const
  for (const p of plan) {
    const [mark, style] = marks[p.status]
    const versions = p.status === 'changed' ? `${short(p.previous)} → ${short(p.version)}` : short(p.version ?? p.previous)
    const note = p.status === 'undeclared' ? 'registered, no longer declared (its versions are kept)' : p.status
    out.out(paint(out, style, `${mark} ${p.name}  ${note}  ${versions}`))
    for (const f of p.status === 'new' ? [] : p.diff.added) out.out(paint(out, 'green', `    + feature ${f}`))
    for (const f of p.diff.removed) out.out(paint(out, 'red', `    - feature ${f}`))
    for (const f of p.diff.changed) out.out(paint(out, 'yellow', `    ~ feature ${f}`))
    for (const [field, { before, after }] of Object.entries(p.diff.fields)) {
      if (p.status === 'new') continue
      out.out(
        paint(
          out,
          'yellow',
          `    ~ ${field === 'ttlMs' ? 'ttl' : field === 'entities' ? 'keys' : field}: ${fieldText(field, before)} → ${fieldText(field, after)}`,
        ),
      )
    }
  }
  const count = (s: FeatureViewPlan['status']) => plan.filter((p) => p.status === s).length
  out.out(`${dryRun ? 'Plan' : 'Applied'}: ${count('new')} new, ${count('changed')} changed, ${count('unchanged')} unchanged.`)
}
