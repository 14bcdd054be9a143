import { afterAll, describe, expect, it } from 'vitest'
import { parseCron } from '../../src/pipeline/schedule/cron.js'
import { type Job, Scheduler, schedulesFrom } from '../../src/pipeline/schedule/scheduler.js'
import type { MetadataStore } from '../../src/stores/metadata-store.js'
import { openSqliteMetadataStore } from '../../src/stores/sqlite/sqlite-metadata-store.js'

const at = (iso: string) => Date.parse(iso)
const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString())

/** Three schedulers over one store tick at the same moment; every job they run takes 20 ms. */
async function threeSchedulersAtOnce(store: MetadataStore, declared: Record<string, unknown>, now: number) {
  let runs = 0
  const make = (owner: string) =>
    new Scheduler(schedulesFrom(declared), store, {
      owner,
      clock: () => now,
      since: now - 120_000,
      runJob: async () => {
        runs++
        await new Promise((resolve) => setTimeout(resolve, 20))
      },
    })
  const outcomes = (await Promise.all(['a', 'b', 'c'].map((o) => make(o).tick()))).flat()
  return { outcomes, runs }
}

describe('cron', () => {
  it('finds the next and previous due minute (UTC), with lists, ranges, steps, names and both day fields', () => {
    const next = (expr: string, from: string) => iso(parseCron(expr).next(at(from)))
    expect(next('0 3 * * *', '2026-11-24T10:00:00Z')).toBe('2026-11-25T03:00:00.000Z')
    expect(next('0 3 * * *', '2026-11-24T02:59:59Z')).toBe('2026-11-24T03:00:00.000Z')
    expect(next('*/15 * * * *', '2026-11-24T10:07:30Z')).toBe('2026-11-24T10:15:00.000Z')
    expect(next('0 9 * * mon-fri', '2026-11-27T10:00:00Z')).toBe('2026-11-30T09:00:00.000Z') // Friday → Monday
    expect(next('0 0 29 feb *', '2026-03-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z')
    expect(next('0 0 31 * *', '2026-11-01T00:00:00Z')).toBe('2026-12-31T00:00:00.000Z')
    // both day fields restricted: either matches (Friday the 27th comes before the 13th of December)
    expect(next('0 0 13 * fri', '2026-11-24T00:00:00Z')).toBe('2026-11-27T00:00:00.000Z')
    expect(next('0 0 * * 7', '2026-11-24T00:00:00Z')).toBe('2026-11-29T00:00:00.000Z') // 7 is Sunday too
    expect(next('30 8,20 1-7 * *', '2026-11-30T12:00:00Z')).toBe('2026-12-01T08:30:00.000Z')
    expect(next('@hourly', '2026-11-24T10:00:00Z')).toBe('2026-11-24T11:00:00.000Z')
    expect(iso(parseCron('0 3 * * *').previous(at('2026-11-24T10:00:00Z')))).toBe('2026-11-24T03:00:00.000Z')
    expect(iso(parseCron('0 3 * * *').previous(at('2026-11-24T03:00:00Z')))).toBe('2026-11-24T03:00:00.000Z')
  })

  it('agrees with a minute-by-minute scan on many expressions', () => {
    const expressions = ['*/7 * * * *', '5 */3 * * *', '0 0 1,15 * *', '10 4 * * 0,3', '0 12 10-20 * mon', '45 23 * 2 *', '0 0 * * *', '17 5 29 * *']
    const start = at('2027-01-30T22:00:00Z')
    for (const expr of expressions) {
      const cron = parseCron(expr)
      let t = start
      for (let k = 0; k < 5; k++) {
        let naive = Math.floor(t / 60_000) * 60_000 + 60_000
        while (!cron.matches(naive)) naive += 60_000
        const fast = cron.next(t)
        expect(iso(fast), expr).toBe(iso(naive))
        expect(iso(cron.previous(fast)), expr).toBe(iso(fast))
        t = fast
      }
    }
  })

  it('names what is wrong', () => {
    expect(() => parseCron('60 * * * *')).toThrow(/minute "60" is not in 0-59/)
    expect(() => parseCron('* * *')).toThrow(/has 3 fields; cron needs 5/)
    expect(() => parseCron('5-1 * * * *')).toThrow(/runs backwards/)
    expect(() => parseCron('* * * foo *')).toThrow(/month "foo"/)
    expect(() => parseCron('0 0 31 2 *').next(0)).toThrow(/never due/)
  })
})

describe('the scheduler (controllable clock, real SQLite)', () => {
  const stores: MetadataStore[] = []
  afterAll(async () => {
    for (const s of stores) await s.close()
  })
  const open = async () => {
    const store = await openSqliteMetadataStore({ path: ':memory:' })
    stores.push(store)
    return store
  }

  it('runs a schedule once per due time, once after downtime, never replays the past, and records failures', async () => {
    const store = await open()
    let now = at('2026-11-24T02:00:00Z')
    const ran: string[] = []
    let fail = false
    const scheduler = new Scheduler(schedulesFrom({ nightly: { cron: '0 3 * * *', run: 'train churn' } }), store, {
      owner: 'a',
      clock: () => now,
      runJob: async (job: Job) => {
        ran.push(`${iso(now)} ${job.kind}`)
        if (fail) throw new Error('no data')
      },
    })
    expect(await scheduler.tick()).toEqual([]) // yesterday's 03:00 is before the scheduler existed
    now = at('2026-11-24T03:00:20Z')
    expect((await scheduler.tick()).map((o) => [iso(o.dueAt), o.status])).toEqual([['2026-11-24T03:00:00.000Z', 'finished']])
    expect(await scheduler.tick()).toEqual([])
    // down for three days: one run, for the latest missed time
    now = at('2026-11-27T09:00:00Z')
    expect((await scheduler.tick()).map((o) => iso(o.dueAt))).toEqual(['2026-11-27T03:00:00.000Z'])
    fail = true
    now = at('2026-11-28T03:01:00Z')
    const [failed] = await scheduler.tick()
    expect(failed).toMatchObject({ status: 'failed', error: 'no data' })
    expect(await store.lastScheduleRun('nightly')).toMatchObject({ status: 'failed', error: 'no data' })
    expect(ran).toHaveLength(3)
  })

  it('never runs a due time twice across schedulers sharing a store', async () => {
    const store = await open()
    const now = at('2026-11-24T03:00:30Z')
    const { outcomes, runs } = await threeSchedulersAtOnce(store, { nightly: { cron: '0 3 * * *', run: 'snapshot orders' } }, now)
    expect(outcomes).toHaveLength(1)
    expect(runs).toBe(1)
  })

  it('runs a triggered job once per new snapshot of its dataset', async () => {
    const store = await open()
    let now = at('2026-11-24T10:00:00Z')
    const jobs: string[] = []
    const scheduler = new Scheduler(schedulesFrom({ retrain: { on: 'snapshot orders', run: 'train churn' } }), store, {
      owner: 'a',
      clock: () => now,
      runJob: async (job) => {
        jobs.push(job.kind === 'train' ? job.model : job.kind)
      },
    })
    const snapshot = (id: string, dataset: string, createdAt: number) =>
      store.saveSnapshot(
        {
          id,
          dataset,
          createdAt,
          contentHash: id,
          rows: 1,
          columns: 1,
          quarantined: 0,
          artifactSha256: 'a'.repeat(64),
          quarantineSha256: null,
          configHash: null,
          details: {},
        },
        [],
      )
    expect(await scheduler.tick()).toEqual([])
    await snapshot('s1', 'orders', now + 1000)
    await snapshot('x1', 'other', now + 1000)
    now += 5000
    expect((await scheduler.tick()).map((o) => o.schedule)).toEqual(['retrain'])
    expect(await scheduler.tick()).toEqual([])
    await snapshot('s2', 'orders', now + 1000)
    now += 5000
    await scheduler.tick()
    expect(jobs).toEqual(['churn', 'churn'])
  })

  it('runs a job once per firing of an alert, once after downtime for the newest firing, and never for firings before it started', async () => {
    const store = await open()
    let now = at('2026-11-24T10:00:00Z')
    const fire = (alert: string, when: number, event = 'fired') => store.addAlertEvent({ monitor: 'churn', alert, at: when, event, details: {} })
    await fire('drift', now - 3_600_000) // before the scheduler existed
    const jobs: string[] = []
    const schedules = schedulesFrom(
      { retrain: { on: 'alert churn.drift', run: 'train churn' }, page: { on: 'alert churn', run: 'monitor churn' } },
      { monitors: { churn: { deployment: 'churn', alerts: { drift: { when: 'drift.drifted == true' }, latency: { when: 'service.p99_ms > 50' } } } } },
    )
    expect(schedules.map((s) => s.trigger)).toEqual([
      { kind: 'alert', monitor: 'churn', alert: null },
      { kind: 'alert', monitor: 'churn', alert: 'drift' },
    ])
    const scheduler = new Scheduler(schedules, store, {
      owner: 'a',
      clock: () => now,
      runJob: async (job) => {
        jobs.push(job.kind)
      },
    })
    expect(await scheduler.tick()).toEqual([])
    // the other alert fires, then resolves and a later pass records its actions: only "any alert" runs
    await fire('latency', now + 1000)
    await fire('latency', now + 1000, 'action:log')
    await fire('latency', now + 2000, 'resolved')
    now += 5000
    expect((await scheduler.tick()).map((o) => [o.schedule, o.dueAt - at('2026-11-24T10:00:00Z')])).toEqual([['page', 1000]])
    expect(await scheduler.tick()).toEqual([])
    await fire('drift', now + 1000)
    now += 5000
    expect((await scheduler.tick()).map((o) => o.schedule)).toEqual(['page', 'retrain'])
    // a firing recorded later than "now" (a pass with --now ahead) waits for its time
    await fire('drift', now + 60_000)
    expect(await scheduler.tick()).toEqual([])
    // down for a while: three firings, one run each, for the newest
    for (const k of [1, 2, 3]) await fire('drift', now + 60_000 + k * 600_000)
    now += 3_600_000
    const outcomes = await scheduler.tick()
    expect(outcomes.map((o) => [o.schedule, iso(o.dueAt)])).toEqual([
      ['page', iso(now - 3_600_000 + 60_000 + 1_800_000)],
      ['retrain', iso(now - 3_600_000 + 60_000 + 1_800_000)],
    ])
    expect(jobs).toEqual(['monitor', 'monitor', 'train', 'monitor', 'train'])
  })

  it('never runs an alert-triggered job twice across schedulers sharing a store', async () => {
    const store = await open()
    const now = at('2026-11-24T10:00:00Z')
    await store.addAlertEvent({ monitor: 'churn', alert: 'drift', at: now - 1000, event: 'fired', details: {} })
    const { outcomes, runs } = await threeSchedulersAtOnce(store, { retrain: { on: 'alert churn.drift', run: 'train churn' } }, now)
    expect(outcomes).toHaveLength(1)
    expect(runs).toBe(1)
    expect(await store.lastScheduleRun('retrain')).toMatchObject({ status: 'finished', dueAt: now - 1000 })
  })

  it('loops until stopped, finishing the pass under way, and reports passes that fail', async () => {
    const store = await open()
    let now = at('2026-11-24T02:59:00Z')
    let release: () => void = () => {}
    const started: string[] = []
    const scheduler = new Scheduler(schedulesFrom({ nightly: { cron: '0 3 * * *', run: 'train churn' } }), store, {
      owner: 'a',
      clock: () => now,
      runJob: async () => {
        started.push('train')
        await new Promise<void>((resolve) => {
          release = resolve
        })
        return 'done'
      },
    })
    const stop = new AbortController()
    const outcomes: string[] = []
    const loop = scheduler.run({ intervalMs: 5, signal: stop.signal, onOutcome: (o) => outcomes.push(o.status) })
    await new Promise((resolve) => setTimeout(resolve, 30))
    now = at('2026-11-24T03:00:10Z')
    while (started.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    stop.abort() // while the job runs: the loop waits for it
    let ended = false
    void loop.then(() => {
      ended = true
    })
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(ended).toBe(false)
    release()
    await loop
    expect(outcomes).toEqual(['finished'])
    // a pass that fails as a whole is reported, and the loop goes on
    const broken = new Scheduler(schedulesFrom({ nightly: { cron: '* * * * *', run: 'train churn' } }), store, { owner: 'b', runJob: async () => 1 })
    await store.close()
    const errors: string[] = []
    const again = new AbortController()
    const looping = broken.run({ intervalMs: 5, signal: again.signal, onError: (e) => errors.push(e.code) })
    while (errors.length < 2) await new Promise((resolve) => setTimeout(resolve, 5))
    again.abort()
    await looping
    expect(errors[0]).toBe('STORE_CLOSED')
    await expect(broken.run({ intervalMs: 5, signal: new AbortController().signal })).rejects.toMatchObject({ code: 'STORE_CLOSED' })
  })

  it('refuses schedules it cannot run', () => {
    expect(() => schedulesFrom({ a: { cron: '0 3 * * *', run: 'deploy churn' } })).toThrow(/not a job/)
    expect(() => schedulesFrom({ a: { run: 'train churn' } })).toThrow(/exactly one of cron or on/)
    expect(() => schedulesFrom({ a: { on: 'event x', run: 'train churn' } })).toThrow(/not a trigger/)
    expect(() => schedulesFrom({ a: { on: 'alert', run: 'train churn' } })).toThrow(/not a trigger/)
    expect(() => schedulesFrom({ a: { cron: '0 25 * * *', run: 'train churn' } })).toThrow(/hour "25"/)
  })

  it('checks the monitor and alert an alert trigger names against the config', () => {
    const monitors = {
      churn: { deployment: 'churn', alerts: { drift: { when: 'drift.drifted == true' }, 'p99.high': { when: 'service.p99_ms > 50' } } },
      'churn.eu': { deployment: 'churn-eu', alerts: { drift: { when: 'drift.drifted == true' } } },
      quiet: { deployment: 'churn' },
    }
    const trigger = (on: string) => schedulesFrom({ a: { on, run: 'train churn' } }, { monitors })[0]?.trigger
    const refused = (on: string, message: RegExp) =>
      expect(() => trigger(on)).toThrow(expect.objectContaining({ code: 'SCHEDULE_INVALID', message: expect.stringMatching(message) }))
    // monitor and alert names may hold dots: the split that names a declared monitor and alert wins
    expect(trigger('alert churn.p99.high')).toEqual({ kind: 'alert', monitor: 'churn', alert: 'p99.high' })
    expect(trigger('alert churn.eu.drift')).toEqual({ kind: 'alert', monitor: 'churn.eu', alert: 'drift' })
    expect(trigger('alert churn.eu')).toEqual({ kind: 'alert', monitor: 'churn.eu', alert: null })
    refused('alert nope.drift', /^schedule "a": on "alert nope.drift": no such monitor is declared \(declared: churn, churn.eu, quiet\)$/)
    refused('alert churn.latency', /monitor "churn" has no alert "latency" \(its alerts: drift, p99.high\)$/)
    refused('alert quiet', /monitor "quiet" declares no alerts$/)
    refused('alert quiet.drift', /monitor "quiet" declares no alerts$/)
    expect(() =>
      schedulesFrom({ a: { on: 'alert x.y', run: 'train churn' } }, { monitors: { x: { alerts: { y: {} } }, 'x.y': { alerts: { z: {} } } } }),
    ).toThrow(/is ambiguous \(any alert of monitor x.y or alert y of monitor x\)/)
  })
})
