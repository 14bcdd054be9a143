/**
 * @module `keel scheduler`: run the config's schedules (cron and triggers) until stopped, or
 * one pass with --once. Claims in the metadata store keep two schedulers from running a job twice.
 */
import { hostname } from 'node:os'
import type { Command } from 'commander'
import { parseDuration } from '../../core/duration.js'
import { KeelError } from '../../core/errors.js'
import { runMonitor } from '../../monitor/run.js'
import { type Job, type JobOutcome, Scheduler, schedulesFrom } from '../../pipeline/schedule/scheduler.js'
import { gatesFailed, train } from '../../pipeline/train/train.js'
import type { Project } from '../../project.js'
import type { CommandContext } from '../context.js'
import { formatTime, toJson } from '../output.js'

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

export function registerScheduler(program: Command, context: Ctx): void {
  program
    .command('scheduler')
    .description('run the schedules in keel.config.ts (cron in UTC, and triggers such as a new snapshot); each due run happens once across all schedulers')
    .option('--once', 'do one pass and exit')
    .option('--interval <duration>', 'time between passes', '30s')
    .option('--now <time>', 'act as if it were this time (ISO 8601), for backfills and tests')
    .option('--json', 'print each outcome as a JSON line')
    .action((opts: { once?: boolean; interval: string; now?: string }, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        const schedules = schedulesFrom(project.config.schedules)
        if (schedules.length === 0)
          throw new KeelError('SCHEDULE_INVALID', 'keel.config.ts declares no schedules', {
            hint: "Add one: schedules: { nightly: { cron: '0 3 * * *', run: 'train churn' } }",
          })
        const fixed = opts.now === undefined ? undefined : Date.parse(opts.now)
        if (fixed !== undefined && Number.isNaN(fixed)) throw new KeelError('CLI_USAGE', `--now must be an ISO 8601 time; got ${opts.now}`)
        const interval = parseDuration(opts.interval)
        if (interval === undefined || interval < 1000)
          throw new KeelError('CLI_USAGE', `--interval must be a duration of at least 1s, like 30s or 5m; got ${opts.interval}`)
        const scheduler = new Scheduler(schedules, project.metadata, {
          owner: `${hostname()}:${process.pid}`,
          ...(fixed === undefined ? {} : { clock: () => fixed, since: fixed - interval }),
          runJob: (job) => runJob(project, job),
        })
        const report = (o: JobOutcome) =>
          out.out(out.json ? toJson(o).replace(/\n\s*/g, ' ') : `${formatTime(o.dueAt)} ${o.schedule}: ${o.status}${o.error ? ` — ${o.error}` : ''}`)
        let stopping = false
        const stop = () => {
          stopping = true
        }
        process.once('SIGTERM', stop)
        process.once('SIGINT', stop)
        do {
          for (const o of await scheduler.tick()) report(o)
          if (opts.once) break
          const until = Date.now() + interval
          while (!stopping && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, Math.min(500, until - Date.now())))
        } while (!stopping)
      }),
    )
}
