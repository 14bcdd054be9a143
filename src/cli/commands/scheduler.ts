/**
 * @module `keel scheduler`: run the config's schedules (cron and triggers) until stopped, or
 * one pass with --once. Claims in the metadata store keep two schedulers from running a job
 * twice. `keel serve --scheduler` runs the same loop beside the server.
 */
import { hostname } from 'node:os'
import type { Command } from 'commander'
import { parseDuration } from '../../core/duration.js'
import { KeelError } from '../../core/errors.js'
import { runMonitor } from '../../monitor/run.js'
import { type Job, type JobOutcome, type ResolvedSchedule, Scheduler, schedulesFrom } from '../../pipeline/schedule/scheduler.js'
import { gatesFailed, train } from '../../pipeline/train/train.js'
import type { Project } from '../../project.js'
import type { CommandContext } from '../context.js'
import { formatTime, type Output, toJson } from '../output.js'

type Ctx = (cmd: Command) => CommandContext

/** Runs one job; a training whose gates fail counts as failed, with the gates' message. */
export async function runJob(project: Project, job: Job): Promise<unknown> {
  if (job.kind === 'monitor') {
    const result = await runMonitor(project, job.monitor)
    return { drifted: result.drift?.drifted ?? null, firing: result.alerts.filter((a) => a.state === 'firing').map((a) => a.alert) }
  }
  if (job.kind === 'snapshot') {
    const { snapshot, created } = await project.data.snapshot(job.dataset)
    return { snapshot: snapshot.id, created }
  }
  const result = await train(project, job.model)
  if (result.gates.declared && !result.gates.passed) throw gatesFailed(result)
  return { version: result.version ? `${result.version.name}@${result.version.version}` : null, cached: result.cached }
}

/** The config's schedules, checked against its monitors; SCHEDULE_INVALID when there are none. */
export function configuredSchedules(project: Project): ResolvedSchedule[] {
  const schedules = schedulesFrom(project.config.schedules, { monitors: project.config.monitors })
  if (schedules.length === 0)
    throw new KeelError('SCHEDULE_INVALID', 'keel.config.ts declares no schedules', {
      hint: "Add one: schedules: { nightly: { cron: '0 3 * * *', run: 'train churn' } }",
    })
  return schedules
}

/** `--interval` in milliseconds (CLI_USAGE below a second). */
export function schedulerInterval(text: string): number {
  const interval = parseDuration(text)
  if (interval === undefined || interval < 1000) throw new KeelError('CLI_USAGE', `--interval must be a duration of at least 1s, like 30s or 5m; got ${text}`)
  return interval
}

/** A scheduler over the project's store that runs jobs in this process; `beforeJob` runs first (a server flushes its log). */
export function projectScheduler(
  project: Project,
  schedules: readonly ResolvedSchedule[],
  options: { readonly clock?: () => number; readonly since?: number; readonly beforeJob?: (job: Job) => Promise<void> } = {},
): Scheduler {
  const { beforeJob, ...timing } = options
  return new Scheduler(schedules, project.metadata, {
    owner: `${hostname()}:${process.pid}`,
    ...timing,
    runJob: async (job) => {
      await beforeJob?.(job)
      return runJob(project, job)
    },
  })
}

/** One outcome as a JSON line, or as `<due time> <schedule>: <status> — <error>`. */
export function formatOutcome(out: Output, o: JobOutcome): string {
  return out.json ? toJson(o).replace(/\n\s*/g, ' ') : `${formatTime(o.dueAt)} ${o.schedule}: ${o.status}${o.error ? ` — ${o.error}` : ''}`
}

/** Resolves on the first SIGTERM or SIGINT. */
export function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop)
      process.off('SIGINT', stop)
      resolve()
    }
    process.once('SIGTERM', stop)
    process.once('SIGINT', stop)
  })
}

export function registerScheduler(program: Command, context: Ctx): void {
  program
    .command('scheduler')
    .description(
      'run the schedules in keel.config.ts (cron in UTC, and triggers: a new snapshot, an alert firing); each due run happens once across all schedulers',
    )
    .option('--once', 'do one pass and exit')
    .option('--interval <duration>', 'time between passes', '30s')
    .option('--now <time>', 'act as if it were this time (ISO 8601), for backfills and tests')
    .option('--json', 'print each outcome as a JSON line')
    .action((opts: { once?: boolean; interval: string; now?: string }, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        const schedules = configuredSchedules(project)
        const fixed = opts.now === undefined ? undefined : Date.parse(opts.now)
        if (fixed !== undefined && Number.isNaN(fixed)) throw new KeelError('CLI_USAGE', `--now must be an ISO 8601 time; got ${opts.now}`)
        const interval = schedulerInterval(opts.interval)
        const scheduler = projectScheduler(project, schedules, fixed === undefined ? {} : { clock: () => fixed, since: fixed - interval })
        const report = (o: JobOutcome) => out.out(formatOutcome(out, o))
        if (opts.once) {
          for (const o of await scheduler.tick()) report(o)
          return
        }
        const stop = new AbortController()
        void stopSignal().then(() => stop.abort())
        await scheduler.run({ intervalMs: interval, signal: stop.signal, onOutcome: report })
      }),
    )
}
