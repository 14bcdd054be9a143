/**
 * @module `keel models list | show | approve | reject | archive | alias | rollback | compare | card | export | import | audit`
 */
import { writeFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { currentUser } from '../../core/config.js'
import { KeelError } from '../../core/errors.js'
import { renderLineage, upstreamOf } from '../../lineage.js'
import { parseModelRef } from '../../registry/registry.js'
import type { ModelVersion } from '../../stores/metadata-store.js'
import type { CommandContext } from '../context.js'
import { formatBytes, formatTime, table, toJson } from '../output.js'
import { registerModelImport } from './models-import.js'

type Ctx = (cmd: Command) => CommandContext

export function registerModels(program: Command, context: Ctx): void {
  const models = program.command('models').description('the model registry: versions, approvals, aliases, model cards, audit')
  models
    .command('list')
    .description('registered versions, newest first')
    .argument('[name]', 'only this model')
    .option('--json', 'print as JSON')
    .action((name: string | undefined, _opts: unknown, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        const list = await project.registry.list(name)
        if (out.json) return out.out(toJson(list.map(summary)))
        if (list.length === 0) return out.out('no registered models')
        out.out(
          table(
            out,
            ['model', 'version', 'status', 'aliases', 'created', 'by', 'metrics'],
            list.map((v) => [v.name, String(v.version), v.status, v.aliases.join(', '), formatTime(v.createdAt), v.createdBy, metricsText(v)]),
          ),
        )
      }),
    )
  models
    .command('show')
    .description('one version: signature, metrics, lineage, status, aliases')
    .argument('<ref>', 'name, name@version or name@alias')
    .option('--json', 'print as JSON')
    .action((ref: string, _opts: unknown, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        const v = await project.registry.get(ref)
        if (out.json) return out.out(toJson(v))
        out.out(`${v.name}@${v.version}  ${v.status}${v.aliases.length > 0 ? `  (${v.aliases.join(', ')})` : ''}`)
        out.out(`registered ${formatTime(v.createdAt)} by ${v.createdBy}${v.runId ? `, run ${v.runId}` : ''}`)
        out.out(`metrics    ${metricsText(v) || '–'}`)
        const inputs = (v.signature.inputs ?? []) as { name: string; kind: string }[]
        out.out(`inputs     ${inputs.map((i) => `${i.name}:${i.kind}`).join(', ')}`)
      }),
    )
  for (const [verb, what] of [
    ['approve', 'approve a version (required before it may be champion under manual approval)'],
    ['reject', 'reject a version'],
    ['archive', 'retire a version: its record and artifacts stay, it may hold no alias'],
  ] as const) {
    models
      .command(verb)
      .description(what)
      .argument('<ref>', 'name@version')
      .requiredOption('--reason <text>', 'why (recorded in the audit log)')
      .option('--json', 'print the version as JSON')
      .action((ref: string, opts: { reason: string }, cmd: Command) =>
        context(cmd).withProject(async (project) => {
          const out = context(cmd).output
          const r = parseModelRef(ref)
          if (r.version === undefined) throw new KeelError('CLI_USAGE', `${verb} needs an exact version: ${r.name}@<version>`)
          const by = { actor: currentUser(), reason: opts.reason, at: Date.now() }
          const v = await project.registry[verb](r, by)
          out.out(out.json ? toJson(summary(v)) : `${v.name}@${v.version} ${v.status}`)
        }),
      )
  }
  models
    .command('alias')
    .description('point an alias (champion, challenger, any name) at a version, or remove it with --remove')
    .argument('<name>', 'model name')
    .argument('<alias>', 'alias name')
    .argument('[version]', 'version number')
    .option('--remove', 'remove the alias instead (not champion: it can only move)')
    .option('--reason <text>', 'why (recorded in the audit log)')
    .option('--json', 'print as JSON')
    .action((name: string, alias: string, version: string | undefined, opts: { reason?: string; remove?: boolean }, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        const by = { actor: currentUser(), at: Date.now(), ...(opts.reason === undefined ? {} : { reason: opts.reason }) }
        if (opts.remove) {
          if (version !== undefined) throw new KeelError('CLI_USAGE', '--remove takes no version')
          const removed = await project.registry.removeAlias(name, alias, by)
          if (removed === null) throw new KeelError('MODEL_NOT_FOUND', `model ${name} has no alias ${alias}`)
          out.out(out.json ? toJson({ name, alias, removed }) : `${name}@${alias} removed (was ${removed})`)
          return
        }
        if (version === undefined || !/^\d+$/.test(version)) throw new KeelError('CLI_USAGE', `version must be a number; got "${version ?? ''}"`)
        const previous = await project.registry.setAlias(name, alias, Number(version), by)
        const result = { name, alias, version: Number(version), previous }
        out.out(out.json ? toJson(result) : `${name}@${alias} → ${version}${previous === null ? '' : ` (was ${previous})`}`)
      }),
    )
  models
    .command('rollback')
    .description('move champion back to the version it pointed at before')
    .argument('<name>', 'model name')
    .option('--reason <text>', 'why (recorded in the audit log)')
    .option('--json', 'print as JSON')
    .action((name: string, opts: { reason?: string }, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        const by = { actor: currentUser(), at: Date.now(), ...(opts.reason === undefined ? {} : { reason: opts.reason }) }
        const version = await project.registry.rollback(name, by)
        out.out(out.json ? toJson({ name, alias: 'champion', version }) : `${name}@champion → ${version}`)
      }),
    )
  models
    .command('card')
    .description("a version's model card (markdown)")
    .argument('<ref>', 'name, name@version or name@alias')
    .option('--json', 'print { ref, card } as JSON')
    .action((ref: string, _opts: unknown, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        const card = await project.registry.card(ref)
        out.out(out.json ? toJson({ ref, card }) : card)
      }),
    )
  models
    .command('compare')
    .description('two versions side by side: metrics (with the difference), status, aliases, inputs')
    .argument('<a>', 'name@version or name@alias')
    .argument('<b>', 'name@version or name@alias')
    .option('--json', 'print as JSON')
    .action((a: string, b: string, _opts: unknown, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        const [x, y] = [await project.registry.get(a), await project.registry.get(b)]
        const keys = [...new Set([...Object.keys(x.metrics), ...Object.keys(y.metrics)])].sort()
        const metrics = keys.map((k) => {
          const [p, q] = [x.metrics[k], y.metrics[k]]
          return { metric: k, a: p ?? null, b: q ?? null, difference: p === undefined || q === undefined ? null : q - p }
        })
        const inputs = (v: typeof x) => ((v.signature.inputs ?? []) as { name: string; kind: string }[]).map((i) => `${i.name}:${i.kind}`)
        const [ia, ib] = [inputs(x), inputs(y)]
        const result = {
          a: summary(x),
          b: summary(y),
          metrics,
          inputs: { onlyA: ia.filter((i) => !ib.includes(i)), onlyB: ib.filter((i) => !ia.includes(i)) },
        }
        if (out.json) return out.out(toJson(result))
        const fmt = (v: number | null) => (v === null ? '–' : String(Number(v.toPrecision(6))))
        out.out(
          table(
            out,
            ['', `${x.name}@${x.version}`, `${y.name}@${y.version}`, 'b − a'],
            [
              ['status', x.status, y.status, ''],
              ['aliases', x.aliases.join(', '), y.aliases.join(', '), ''],
              ...metrics.map((m) => [m.metric, fmt(m.a), fmt(m.b), m.difference === null ? '' : `${m.difference >= 0 ? '+' : ''}${fmt(m.difference)}`]),
            ],
          ),
        )
        if (result.inputs.onlyA.length + result.inputs.onlyB.length > 0)
          out.out(`inputs only in a: ${result.inputs.onlyA.join(', ') || '–'}; only in b: ${result.inputs.onlyB.join(', ') || '–'}`)
      }),
    )
  models
    .command('export')
    .description("write a version's model file: onnx (checked against the model at registration) or native")
    .argument('<ref>', 'name, name@version or name@alias')
    .requiredOption('--out <file>', 'file to write')
    .option('--format <format>', 'onnx or native', 'onnx')
    .option('--json', 'print what was written as JSON')
    .action((ref: string, opts: { out: string; format: string }, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        if (opts.format !== 'onnx' && opts.format !== 'native') throw new KeelError('CLI_USAGE', `--format must be onnx or native; got "${opts.format}"`)
        const bytes = await project.registry.artifact(ref, opts.format)
        await writeFile(opts.out, bytes)
        out.out(out.json ? toJson({ ref, format: opts.format, file: opts.out, bytes: bytes.length }) : `wrote ${opts.out} (${formatBytes(bytes.length)})`)
      }),
    )
  registerModelImport(models, context, summary)
  models
    .command('audit')
    .description("a model's audit log: who registered, approved, rejected or moved aliases, when and why")
    .argument('<name>', 'model name')
    .option('--json', 'print as JSON')
    .action((name: string, _opts: unknown, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        const log = await project.registry.audit(name)
        if (out.json) return out.out(toJson(log))
        out.out(
          table(
            out,
            ['when', 'who', 'what', 'version', 'details', 'why'],
            log.map((e) => [formatTime(e.at), e.actor, e.action, e.version === null ? '' : String(e.version), JSON.stringify(e.details), e.reason ?? '']),
          ),
        )
      }),
    )
}

/** `keel lineage <name>[@version|@alias]`: model → run → snapshot → source. */
export function registerLineage(program: Command, context: Ctx): void {
  program
    .command('lineage')
    .description('what a model version was made from: its run, training snapshots, their datasets, files and queries')
    .argument('<ref>', 'name, name@version or name@alias')
    .option('--json', 'print the graph as JSON')
    .action((ref: string, _opts: unknown, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        const v = await project.registry.get(ref)
        const graph = await upstreamOf(project.metadata, 'model', `${v.name}@${v.version}`)
        out.out(out.json ? toJson(graph) : renderLineage(graph).join('\n'))
      }),
    )
}

function summary(v: ModelVersion): object {
  return {
    name: v.name,
    version: v.version,
    status: v.status,
    aliases: v.aliases,
    createdAt: new Date(v.createdAt).toISOString(),
    createdBy: v.createdBy,
    runId: v.runId,
    metrics: v.metrics,
  }
}

function metricsText(v: ModelVersion): string {
  return Object.entries(v.metrics)
    .map(([k, x]) => `${k}=${Number(x.toPrecision(4))}`)
    .join(' ')
}
