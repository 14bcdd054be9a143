import { afterAll, describe, expect, it } from 'vitest'
import { parseCron } from '../../src/pipeline/schedule/cron.js'
import { type Job, Scheduler, schedulesFrom } from '../../src/pipeline/schedule/scheduler.js'
import type { MetadataStore } from '../../src/stores/metadata-store.js'
import { openSqliteMetadataStore } from '../../src/stores/sqlite/sqlite-metadata-store.js'

const at = (iso: string) => Date.parse(iso)
const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString())

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
    let runs = 0
    const make = (owner: string) =>
      new Scheduler(schedulesFrom({ nightly: { cron: '0 3 * * *', run: 'snapshot orders' } }), store, {
        owner,
        clock: () => now,
        since: now - 120_000,
        runJob: async () => {
          runs++
          await new Promise((resolve) => setTimeout(resolve, 20))
        },
      })
    const outcomes = (await Promise.all(['a', 'b', 'c'].map((o) => make(o).tick()))).flat()
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

  it('refuses schedules it cannot run', () => {
    expect(() => schedulesFrom({ a: { cron: '0 3 * * *', run: 'deploy churn' } })).toThrow(/not a job/)
    expect(() => schedulesFrom({ a: { run: 'train churn' } })).toThrow(/exactly one of cron or on/)
    expect(() => schedulesFrom({ a: { on: 'alert x', run: 'train churn' } })).toThrow(/not a trigger/)
    expect(() => schedulesFrom({ a: { cron: '0 25 * * *', run: 'train churn' } })).toThrow(/hour "25"/)
  })
})
