/**
 * @module `keel serve`, `keel deploy`, `keel rollback`, `keel tokens`: run the model server
 * (with the scheduler beside it on request), change what answers through the registry, and
 * manage API tokens.
 */
import type { Command } from 'commander'
import { currentUser } from '../../core/config.js'
import { KeelError } from '../../core/errors.js'
import { createToken } from '../../serve/auth.js'
import { canary, promote, type RoutingState, rollbackDeployment, routingState } from '../../serve/routing.js'
import { serve } from '../../serve/server.js'
import type { CommandContext } from '../context.js'
import { formatTime, table, toJson } from '../output.js'
import { configuredSchedules, formatOutcome, projectScheduler, schedulerInterval, stopSignal } from './scheduler.js'

type Ctx = (cmd: Command) => CommandContext

function describeRouting(s: RoutingState): string {
  const split =
    s.traffic === null
      ? 'as configured'
      : Object.entries(s.traffic)
          .map(([a, p]) => `${a} ${p}%`)
          .join(', ')
  return `${s.model}: champion ${s.champion ?? '—'}, challenger ${s.challenger ?? '—'}; traffic ${split}`
}

export function registerServe(program: Command, context: Ctx): void {
  program
    .command('serve')
    .description('serve every deployment in keel.config.ts over HTTP (v1 predict, Open Inference Protocol v2, feedback, /metrics); stops gracefully on SIGTERM')
    .option('--host <address>', 'address to bind (any but loopback requires API tokens)', '127.0.0.1')
    .option('--port <n>', 'port (0 picks a free one)', '8080')
    .option('--auth', 'require API tokens on loopback too')
    .option('--poll <ms>', 'how often aliases and routing are re-read', '2000')
    .option('--token-cache <ms>', 'how long a token lookup is trusted: a revoked token stops working within this time (0: look up every request)', '1000')
    .option('--scheduler', "also run the config's schedules in this process, as `keel scheduler` does (stopped first on SIGTERM)")
    .option('--interval <duration>', 'with --scheduler: time between scheduler passes (default 30s)')
    .option('--json', 'print JSON lines (started, stopped, job outcomes) instead of text')
    .action((opts: { host: string; port: string; auth?: boolean; poll: string; tokenCache: string; scheduler?: boolean; interval?: string }, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        const port = Number(opts.port)
        const pollMs = Number(opts.poll)
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new KeelError('CLI_USAGE', `--port must be 0-65535; got ${opts.port}`)
        if (!Number.isFinite(pollMs) || pollMs < 100) throw new KeelError('CLI_USAGE', `--poll must be at least 100 ms; got ${opts.poll}`)
        const tokenCacheMs = Number(opts.tokenCache)
        if (!Number.isFinite(tokenCacheMs) || tokenCacheMs < 0) throw new KeelError('CLI_USAGE', `--token-cache must be 0 or more ms; got ${opts.tokenCache}`)
        if (opts.interval !== undefined && !opts.scheduler) throw new KeelError('CLI_USAGE', '--interval goes with --scheduler')
        // checked before serving, so a bad schedule fails the start rather than a pass later
        const schedules = opts.scheduler ? configuredSchedules(project) : []
        const intervalMs = schedulerInterval(opts.interval ?? '30s')
        const server = await serve(project, {
          host: opts.host,
          port,
          auth: opts.auth === true,
          pollMs,
          tokenCacheMs,
          onEvent: (e) => {
            const line =
              e.kind === 'swapped'
                ? `${e.deployment}: ${e.alias} now version ${e.to}${e.from === null ? '' : ` (was ${e.from})`}`
                : e.kind === 'refused'
                  ? `${e.deployment}: refused ${e.alias} version ${e.version}: ${e.reason}`
                  : e.kind === 'webhook'
                    ? `${e.deployment}: webhook ${e.url} ${e.outcome} after ${e.attempts} attempt(s) (${e.detail})`
                    : `prediction log: ${e.message}`
            // delivered webhooks are counted in /metrics; only problems are worth a line
            if (e.kind === 'webhook' && e.outcome === 'delivered') return
            out.err(out.json ? JSON.stringify({ event: e }) : line)
          },
        })
        const deployments = [...server.runtimes.values()].map((r) => ({
          deployment: r.name,
          model: r.spec.model,
          ready: r.ready,
          serving: Object.fromEntries([...r.serving].map(([a, v]) => [a, v.version])),
        }))
        out.out(
          out.json
            ? JSON.stringify({ started: true, url: server.url, deployments })
            : `serving on ${server.url}\n${deployments.map((d) => `  ${d.deployment} → ${d.model} ${JSON.stringify(d.serving)}${d.ready ? '' : ' (not ready)'}`).join('\n')}`,
        )
        const stop = new AbortController()
        const scheduling =
          schedules.length === 0
            ? Promise.resolve()
            : projectScheduler(project, schedules, {
                // a monitor pass in this process sees every answer given so far
                beforeJob: async (job) => (job.kind === 'monitor' ? server.log.flush() : undefined),
              }).run({
                intervalMs,
                signal: stop.signal,
                onOutcome: (o) => out.out(formatOutcome(out, o)),
                onError: (e) => out.err(out.json ? JSON.stringify({ scheduler: { error: e.message, code: e.code } }) : `scheduler: ${e.message}`),
              })
        await stopSignal()
        // no new job starts once stopping; a job under way finishes while the server drains
        stop.abort()
        await Promise.all([scheduling, server.close()])
        const answered = [...(await server.metrics.predictions.get()).values].reduce((n, v) => n + v.value, 0)
        out.out(
          out.json
            ? JSON.stringify({ stopped: true, answered, logged: server.log.written })
            : `stopped: ${answered} predictions answered, ${server.log.written} logged`,
        )
      }),
    )

  program
    .command('deploy')
    .description(
      "change what a model's deployments answer with: --canary N sends N% to a challenger, --promote makes it champion; without options, show the routing",
    )
    .argument('<model>', 'model name')
    .option('--canary <percent>', 'send this share of traffic to the challenger')
    .option('--version <n>', 'the version to canary (default: the newest besides the champion)')
    .option('--promote', 'make the challenger champion and end the canary')
    .option('--reason <text>', 'why (recorded in the audit log)')
    .option('--json', 'print the routing as JSON')
    .action((model: string, opts: { canary?: string; version?: string; promote?: boolean; reason?: string }, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        const by = { actor: currentUser(), at: Date.now(), ...(opts.reason === undefined ? {} : { reason: opts.reason }) }
        if (opts.canary !== undefined && opts.promote) throw new KeelError('CLI_USAGE', '--canary and --promote go separately')
        let state: RoutingState
        if (opts.canary !== undefined) {
          const version = opts.version === undefined ? undefined : Number(opts.version)
          if (version !== undefined && !Number.isInteger(version)) throw new KeelError('CLI_USAGE', `--version must be a version number; got ${opts.version}`)
          state = await canary(project.registry, model, Number(opts.canary), by, version)
        } else if (opts.promote) state = await promote(project.registry, model, by)
        else state = await routingState(project.registry, model)
        out.out(out.json ? toJson(state) : describeRouting(state))
      }),
    )

  program
    .command('rollback')
    .description("move a model's champion back to the version before and end any canary; running servers switch within seconds")
    .argument('<model>', 'model name')
    .option('--reason <text>', 'why (recorded in the audit log)')
    .option('--json', 'print the routing as JSON')
    .action((model: string, opts: { reason?: string }, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        const state = await rollbackDeployment(project.registry, model, { actor: currentUser(), at: Date.now(), reason: opts.reason ?? 'rollback' })
        out.out(out.json ? toJson(state) : describeRouting(state))
      }),
    )

  const tokens = program.command('tokens').description('API tokens for keel serve (stored hashed; the secret is shown once)')
  tokens
    .command('create')
    .description('create a token and print its secret')
    .requiredOption('--role <role>', 'predict (predict, infer, feedback) or admin (also reload and routing)')
    .option('--name <name>', 'what it is for', 'token')
    .option('--json', 'print as JSON')
    .action((opts: { role: string; name: string }, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        if (opts.role !== 'predict' && opts.role !== 'admin') throw new KeelError('CLI_USAGE', `--role must be predict or admin; got ${opts.role}`)
        const { secret, token } = await createToken(project.metadata, { name: opts.name, role: opts.role })
        out.out(
          out.json
            ? toJson({ id: token.id, name: token.name, role: token.role, secret })
            : `${secret}\n(token ${token.id}, ${token.role}; shown once — store it now)`,
        )
      }),
    )
  tokens
    .command('list')
    .description('tokens with their roles (never their secrets)')
    .option('--json', 'print as JSON')
    .action((_opts: unknown, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        const list = (await project.metadata.listTokens()).map(({ hash: _, ...t }) => t)
        out.out(
          out.json
            ? toJson(list)
            : table(
                out,
                ['id', 'name', 'role', 'created', 'revoked'],
                list.map((t) => [t.id, t.name, t.role, formatTime(t.createdAt), t.revokedAt === null ? '' : formatTime(t.revokedAt)]),
              ),
        )
      }),
    )
  tokens
    .command('revoke')
    .description('revoke a token; running servers refuse it once their token cache lets go of it (keel serve --token-cache, default 1 s)')
    .argument('<id>', 'token id')
    .option('--json', 'print as JSON')
    .action((id: string, _opts: unknown, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        if (!(await project.metadata.revokeToken(id, Date.now()))) throw new KeelError('CLI_USAGE', `no active token with id ${id}`)
        out.out(out.json ? toJson({ id, revoked: true }) : `revoked ${id} (running servers refuse it within their --token-cache time, 1 s by default)`)
      }),
    )
}
