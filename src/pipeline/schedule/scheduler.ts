/**
 * @module The scheduler: runs jobs on cron schedules and on triggers (a new snapshot of a
 * dataset, a monitor's alert firing). Each due time is claimed in the metadata store first, so
 * two schedulers never run the same job twice; after downtime a schedule runs once for its
 * latest due time, not once per missed one.
 */
import { z } from 'zod'
import { KeelError, toKeelError } from '../../core/errors.js'
import type { MetadataStore } from '../../stores/metadata-store.js'
import { type Cron, parseCron } from './cron.js'

/** A schedule as keel.config.ts declares it. */
export interface ScheduleSpec {
  /** Five-field cron expression in UTC, e.g. `0 3 * * *`. */
  readonly cron?: string
  /**
   * A trigger instead of a time: `snapshot <dataset>` (a new snapshot of it was made),
   * `alert <monitor>.<alert>` (that alert fired) or `alert <monitor>` (any of its alerts fired).
   */
  readonly on?: string
  /** The job: `train <model>`, `snapshot <dataset>` or `monitor <monitor>`. */
  readonly run: string
}

/** A job the scheduler can run. */
export type Job =
  | { readonly kind: 'train'; readonly model: string }
  | { readonly kind: 'snapshot'; readonly dataset: string }
  | { readonly kind: 'monitor'; readonly monitor: string }

/** What starts a triggered schedule; `alert: null` is any alert of the monitor. */
export type Trigger =
  | { readonly kind: 'snapshot'; readonly dataset: string }
  | { readonly kind: 'alert'; readonly monitor: string; readonly alert: string | null }

export interface ResolvedSchedule {
  readonly name: string
  readonly cron: Cron | null
  readonly trigger: Trigger | null
  readonly job: Job
}

/** The parts of the config schedules refer to, for checking their names. */
export interface ScheduleContext {
  /** Monitors as declared; an alert trigger must name one of them (and one of its alerts). */
  readonly monitors?: Readonly<Record<string, unknown>>
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

const TRIGGERS = 'use "snapshot <dataset>", "alert <monitor>.<alert>" or "alert <monitor>"'

function parseTrigger(name: string, text: string, context: ScheduleContext | undefined): Trigger {
  const [kind, target, ...rest] = text.trim().split(/\s+/)
  if (target === undefined || rest.length > 0 || (kind !== 'snapshot' && kind !== 'alert'))
    throw new KeelError('SCHEDULE_INVALID', `schedule "${name}": on "${text}" is not a trigger (${TRIGGERS})`)
  if (kind === 'snapshot') return { kind, dataset: target }
  return { kind, ...alertTarget(name, target, context?.monitors) }
}

type AlertTarget = { readonly monitor: string; readonly alert: string | null }

/**
 * `<monitor>.<alert>` or `<monitor>`, checked against the declared monitors. Names may contain
 * dots, so every split is tried and exactly one must name a declared monitor (and alert).
 */
function alertTarget(name: string, target: string, monitors: Readonly<Record<string, unknown>> | undefined): AlertTarget {
  const splits: AlertTarget[] = [{ monitor: target, alert: null }]
  for (let i = target.indexOf('.'); i > 0; i = target.indexOf('.', i + 1)) splits.push({ monitor: target.slice(0, i), alert: target.slice(i + 1) })
  if (monitors === undefined) return splits[1] ?? (splits[0] as AlertTarget)
  const alertsOf = (m: string) => Object.keys(((monitors[m] as { alerts?: Record<string, unknown> } | undefined)?.alerts ?? {}) as object)
  const fits = (s: AlertTarget) =>
    Object.hasOwn(monitors, s.monitor) && (s.alert === null ? alertsOf(s.monitor).length > 0 : alertsOf(s.monitor).includes(s.alert))
  const found = splits.filter(fits)
  if (found.length === 1) return found[0] as AlertTarget
  const fail = (why: string) =>
    new KeelError('SCHEDULE_INVALID', `schedule "${name}": on "alert ${target}": ${why}`, {
      hint: "Name a monitor declared under monitors, and optionally one of its alerts: on: 'alert churn.dataDrift'.",
    })
  const describe = (f: AlertTarget) => (f.alert === null ? `any alert of monitor ${f.monitor}` : `alert ${f.alert} of monitor ${f.monitor}`)
  if (found.length > 1) throw fail(`is ambiguous (${found.map(describe).join(' or ')})`)
  const known = splits.find((s) => Object.hasOwn(monitors, s.monitor))
  if (known === undefined) throw fail(`no such monitor is declared (declared: ${Object.keys(monitors).join(', ') || 'none'})`)
  const alerts = alertsOf(known.monitor)
  throw fail(
    `monitor "${known.monitor}" ${alerts.length === 0 ? 'declares no alerts' : `has no alert "${target.slice(known.monitor.length + 1)}" (its alerts: ${alerts.join(', ')})`}`,
  )
}

/**
 * The declared schedules, checked (SCHEDULE_INVALID names the problem). With `context`, the
 * monitors and alerts that alert triggers name must be declared.
 */
export function schedulesFrom(declared: Readonly<Record<string, unknown>>, context?: ScheduleContext): ResolvedSchedule[] {
  return Object.keys(declared)
    .sort()
    .map((name) => {
      const parsed = schema.safeParse(declared[name])
      if (!parsed.success) throw new KeelError('SCHEDULE_INVALID', `schedule "${name}": ${parsed.error.issues[0]?.message ?? 'is invalid'}`)
      const s = parsed.data
      if ((s.cron === undefined) === (s.on === undefined)) throw new KeelError('SCHEDULE_INVALID', `schedule "${name}" needs exactly one of cron or on`)
      const trigger = s.on === undefined ? null : parseTrigger(name, s.on, context)
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

export interface SchedulerRunOptions {
  /** Time between the end of one pass and the start of the next. */
  readonly intervalMs: number
  /** Stops the loop; the pass under way finishes first (a job is never cut short). */
  readonly signal: AbortSignal
  readonly onOutcome?: (outcome: JobOutcome) => void
  /** Called when a pass fails as a whole (the store unreachable, say), and the loop goes on; without it the loop rejects. */
  readonly onError?: (error: KeelError) => void
}

/**
 * Runs due schedules. `tick()` does one pass; `run()` does a pass every interval until stopped
 * (`keel scheduler`, `keel serve --scheduler`).
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

  /**
   * Does a pass, waits `intervalMs`, and again, until `signal` aborts; resolves when the pass
   * under way at that moment has finished.
   *
   * @example
   * ```ts
   * const stop = new AbortController()
   * process.once('SIGTERM', () => stop.abort())
   * await scheduler.run({ intervalMs: 30_000, signal: stop.signal, onOutcome: (o) => console.log(o.schedule, o.status) })
   * ```
   */
  async run(options: SchedulerRunOptions): Promise<void> {
    while (!options.signal.aborted) {
      try {
        for (const outcome of await this.tick()) options.onOutcome?.(outcome)
      } catch (error) {
        if (options.onError === undefined) throw error
        options.onError(toKeelError(error))
      }
      await pause(options.intervalMs, options.signal)
    }
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

  /** The due time to run now: the latest cron time (or newest matching snapshot or firing) after the last run. */
  async #due(schedule: ResolvedSchedule): Promise<number | undefined> {
    const now = this.#clock()
    const last = (await this.metadata.lastScheduleRun(schedule.name))?.dueAt ?? this.#since
    if (schedule.cron) {
      // only the latest missed time: after downtime a schedule runs once, not once per missed time
      const latest = schedule.cron.previous(now)
      return latest !== undefined && latest > last ? latest : undefined
    }
    if (schedule.trigger?.kind === 'snapshot') {
      const [newest] = await this.metadata.listSnapshots({ dataset: schedule.trigger.dataset, limit: 1 })
      return newest !== undefined && newest.createdAt > last && newest.createdAt <= now ? newest.createdAt : undefined
    }
    if (schedule.trigger?.kind === 'alert') {
      // only the newest firing since the last run: after downtime the job runs once, not once per firing
      const { monitor, alert } = schedule.trigger
      const fired = await this.metadata.listAlertEvents(monitor, { event: 'fired', since: last, ...(alert === null ? {} : { alert }) })
      const times = fired.map((e) => e.at).filter((at) => at > last && at <= now)
      return times.length === 0 ? undefined : Math.max(...times)
    }
    return undefined
  }
}

/** Waits `ms`, or less when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}
