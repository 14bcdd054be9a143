/**
 * @module The scheduler: runs jobs on cron schedules and on triggers (a new snapshot of a
 * dataset). Each due time is claimed in the metadata store first, so two schedulers never run
 * the same job twice; after downtime a schedule runs once for its latest due time, not once
 * per missed one.
 */
import { z } from 'zod'
import { KeelError, toKeelError } from '../../core/errors.js'
import type { MetadataStore } from '../../stores/metadata-store.js'
import { type Cron, parseCron } from './cron.js'

/** A schedule as keel.config.ts declares it. */
export interface ScheduleSpec {
  /** Five-field cron expression in UTC, e.g. `0 3 * * *`. */
  readonly cron?: string
  /** A trigger instead of a time: `snapshot <dataset>` (a new snapshot of it was made). */
  readonly on?: string
  /** The job: `train <model>`, `snapshot <dataset>` or `monitor <monitor>`. */
  readonly run: string
}

/** A job the scheduler can run. */
export type Job =
  | { readonly kind: 'train'; readonly model: string }
  | { readonly kind: 'snapshot'; readonly dataset: string }
  | { readonly kind: 'monitor'; readonly monitor: string }

export interface ResolvedSchedule {
  readonly name: string
  readonly cron: Cron | null
  readonly trigger: { readonly kind: 'snapshot'; readonly dataset: string } | null
  readonly job: Job
}

const schema = z.strictObject({ cron: z.string().min(1).optional(), on: z.string().min(1).optional(), run: z.string().min(1) })

function parseJob(name: string, text: string): Job {
  const [verb, target, ...rest] = text.trim().split(/\s+/)
  if (target !== undefined && rest.length === 0) {
    if (verb === 'train') return { kind: 'train', model: target }
    if (verb === 'snapshot') return { kind: 'snapshot', dataset: target }
    if (verb === 'monitor') return { kind: 'monitor', monitor: target }
  }
  throw new KeelError('SCHEDULE_INVALID', `schedule "${name}": run "${text}" is not a job (use "train <model>", "snapshot <dataset>" or "monitor <monitor>")`)
}

/** The declared schedules, checked (SCHEDULE_INVALID names the problem). */
export function schedulesFrom(declared: Readonly<Record<string, unknown>>): ResolvedSchedule[] {
  return Object.keys(declared)
    .sort()
    .map((name) => {
      const parsed = schema.safeParse(declared[name])
      if (!parsed.success) throw new KeelError('SCHEDULE_INVALID', `schedule "${name}": ${parsed.error.issues[0]?.message ?? 'is invalid'}`)
      const s = parsed.data
      if ((s.cron === undefined) === (s.on === undefined)) throw new KeelError('SCHEDULE_INVALID', `schedule "${name}" needs exactly one of cron or on`)
      let trigger: ResolvedSchedule['trigger'] = null
      if (s.on !== undefined) {
        const [kind, dataset, ...rest] = s.on.trim().split(/\s+/)
        if (kind !== 'snapshot' || dataset === undefined || rest.length > 0)
          throw new KeelError('SCHEDULE_INVALID', `schedule "${name}": on "${s.on}" is not a trigger (use "snapshot <dataset>")`)
        trigger = { kind: 'snapshot', dataset }
      }
      return { name, cron: s.cron === undefined ? null : parseCron(s.cron), trigger, job: parseJob(name, s.run) }
    })
}

export interface JobOutcome {
  readonly schedule: string
  readonly dueAt: number
  readonly status: 'finished' | 'failed'
  readonly error?: string
  readonly result?: unknown
}

export interface SchedulerOptions {
  /** Names this scheduler in the claims (default host:pid). */
  readonly owner: string
  /** "Now" (tests and backfills move it). */
  readonly clock?: () => number
  /** Runs a job; the scheduler records whether it finished or failed. */
  readonly runJob: (job: Job, schedule: ResolvedSchedule) => Promise<unknown>
  /**
   * A schedule with no recorded run catches up only on due times after this (default: when the
   * scheduler was created, less a minute), so adding a schedule does not replay its past.
   */
  readonly since?: number
}

/**
 * Runs due schedules. `tick()` does one pass; `keel scheduler` calls it every interval.
 *
 * @example
 * ```ts
 * const scheduler = new Scheduler(schedulesFrom(config.schedules), project.metadata, { owner: 'a', runJob })
 * await scheduler.tick() // [{ schedule: 'nightly', dueAt: …, status: 'finished' }]
 * ```
 */
export class Scheduler {
  readonly #clock: () => number
  readonly #since: number

  constructor(
    readonly schedules: readonly ResolvedSchedule[],
    readonly metadata: MetadataStore,
    readonly options: SchedulerOptions,
  ) {
    this.#clock = options.clock ?? Date.now
    this.#since = options.since ?? this.#clock() - 60_000
  }

  /** Runs every schedule that is due now and not yet claimed, one after another. */
  async tick(): Promise<JobOutcome[]> {
    const outcomes: JobOutcome[] = []
    for (const schedule of this.schedules) {
      const due = await this.#due(schedule)
      if (due === undefined) continue
      if (!(await this.metadata.claimScheduleRun(schedule.name, due, this.options.owner, this.#clock()))) continue
      try {
        const result = await this.options.runJob(schedule.job, schedule)
        await this.metadata.finishScheduleRun(schedule.name, due, 'finished', null, this.#clock())
        outcomes.push({ schedule: schedule.name, dueAt: due, status: 'finished', result })
      } catch (error) {
        const message = toKeelError(error).message
        await this.metadata.finishScheduleRun(schedule.name, due, 'failed', message.slice(0, 2000), this.#clock())
        outcomes.push({ schedule: schedule.name, dueAt: due, status: 'failed', error: message })
      }
    }
    return outcomes
  }

  /** The due time to run now: the latest cron time (or newest matching snapshot) after the last run. */
  async #due(schedule: ResolvedSchedule): Promise<number | undefined> {
    const now = this.#clock()
    const last = (await this.metadata.lastScheduleRun(schedule.name))?.dueAt ?? this.#since
    if (schedule.cron) {
      // only the latest missed time: after downtime a schedule runs once, not once per missed time
      const latest = schedule.cron.previous(now)
      return latest !== undefined && latest > last ? latest : undefined
    }
    if (schedule.trigger) {
      const [newest] = await this.metadata.listSnapshots({ dataset: schedule.trigger.dataset, limit: 1 })
      return newest !== undefined && newest.createdAt > last && newest.createdAt <= now ? newest.createdAt : undefined
    }
    return undefined
  }
}
