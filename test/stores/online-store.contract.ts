import { describe, expect } from 'vitest'
import type { OnlineRow, OnlineStore, OnlineViewRef } from '../../src/stores/online-store.js'
import { disposedAfterEach, type Skip, skippable } from '../helpers/fresh.js'

export interface OpenedOnlineStore {
  readonly store: OnlineStore
  /** Closes the store and removes what it created. */
  readonly dispose: () => Promise<void>
}

export type { Skip }

const DAY = 86_400_000
const T0 = 1_700_000_000_000
const view = (overrides: Partial<OnlineViewRef> = {}): OnlineViewRef => ({ name: 'customer', version: 'a'.repeat(64), ttlMs: 30 * DAY, ...overrides })
const row = (key: OnlineRow['key'], eventAt: number, values: OnlineRow['values'] = { spend: 1 }): OnlineRow => ({ key, eventAt, values })

/**
 * The behaviour every OnlineStore backend must have. `open` returns a new, empty store each
 * time. Time is an argument of every read, so the clock is the test's.
 */
export function describeOnlineStore(name: string, open: () => Promise<OpenedOnlineStore>, skip: readonly Skip[] = []): void {
  describe(`OnlineStore contract: ${name}`, () => {
    const openDisposed = disposedAfterEach(open)
    const fresh = async () => (await openDisposed()).store
    const test = skippable(skip)

    test('round-trips typed values, null included, with both times', async () => {
      const store = await fresh()
      const values = {
        spend: 12.5,
        orders: 3,
        negative: -0.25,
        big: 2 ** 53 - 1,
        plan: 'pro ✓ "q" | x',
        churned: false,
        vip: true,
        missing: null,
        nan: Number.NaN,
        inf: -Infinity,
      }
      expect(await store.write(view(), [row(['c1'], T0, values)], T0 + 5)).toBe(1)
      const [result] = await store.read(view(), [['c1']], T0 + 10)
      expect(result).toEqual({ status: 'present', values, eventAt: T0, materializedAt: T0 + 5 })
      if (result?.status !== 'present') throw new Error('not present')
      expect(typeof result.values.orders).toBe('number')
      expect(result.values.missing).toBeNull()
    })

    test('reports a key never written as missing', async () => {
      const store = await fresh()
      await store.write(view(), [row(['c1'], T0)], T0)
      expect(await store.read(view(), [['nobody']], T0)).toEqual([{ status: 'missing' }])
      expect(await store.read(view(), [], T0)).toEqual([])
    })

    test('keeps composite keys and typed key parts apart', async () => {
      const store = await fresh()
      const keys = [[1, 'a'], [1, 'b'], ['1', 'a'], [42], ['42'], ['a,b', 'c'], ['a', 'b,c'], ['x|y:z*']] as const
      await store.write(
        view(),
        keys.map((key, i) => row(key, T0, { i })),
        T0,
      )
      const results = await store.read(view(), [...keys, [2, 'a'], [1]], T0)
      expect(results.map((r) => (r.status === 'present' ? r.values.i : r.status))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 'missing', 'missing'])
    })

    test('keeps views and versions apart', async () => {
      const store = await fresh()
      const v1 = view()
      const v2 = view({ version: 'b'.repeat(64) })
      const other = view({ name: 'merchant' })
      await store.write(v1, [row(['k'], T0, { v: 1 })], T0)
      await store.write(v2, [row(['k'], T0, { v: 2 })], T0)
      const read = async (v: OnlineViewRef) => (await store.read(v, [['k']], T0))[0]
      expect(await read(v1)).toMatchObject({ status: 'present', values: { v: 1 } })
      expect(await read(v2)).toMatchObject({ status: 'present', values: { v: 2 } })
      expect(await read(other)).toEqual({ status: 'missing' })
    })

    test('enforces the TTL at read: at the TTL present, one ms past it expired without values', async () => {
      const store = await fresh()
      const ttl = 30 * DAY
      await store.write(view({ ttlMs: ttl }), [row(['c'], T0, { spend: 9 })], T0)
      const at = async (now: number) => (await store.read(view({ ttlMs: ttl }), [['c']], now))[0]
      expect(await at(T0 + ttl - 1)).toMatchObject({ status: 'present', values: { spend: 9 } })
      expect(await at(T0 + ttl)).toMatchObject({ status: 'present', values: { spend: 9 } })
      expect(await at(T0 + ttl + 1)).toEqual({ status: 'expired', eventAt: T0, materializedAt: T0 })
      expect(await at(T0 + 365 * DAY)).toEqual({ status: 'expired', eventAt: T0, materializedAt: T0 })
    })

    test('checks the TTL given at read time, and none when the view has no TTL', async () => {
      const store = await fresh()
      await store.write(view(), [row(['c'], T0)], T0)
      expect((await store.read(view({ ttlMs: DAY }), [['c']], T0 + DAY + 1))[0]?.status).toBe('expired')
      expect((await store.read(view({ ttlMs: null }), [['c']], T0 + 3650 * DAY))[0]?.status).toBe('present')
    })

    test('reports a row already past its TTL when written as expired, not missing', async () => {
      const store = await fresh()
      await store.write(view({ ttlMs: DAY }), [row(['old'], T0 - 10 * DAY)], T0)
      expect(await store.read(view({ ttlMs: DAY }), [['old']], T0)).toEqual([{ status: 'expired', eventAt: T0 - 10 * DAY, materializedAt: T0 }])
    })

    test('writes and reads many rows in one batch, in the order asked', async () => {
      const store = await fresh()
      const rows = Array.from({ length: 5_000 }, (_, i) => row([i, `s${i % 7}`], T0 + i, { i, half: i / 2, label: `n${i}` }))
      expect(await store.write(view(), rows, T0 + 10_000)).toBe(5_000)
      const keys = [...rows.map((r) => r.key)].reverse()
      const results = await store.read(view(), [...keys, [5_000, 's0']], T0 + 10_000)
      expect(results).toHaveLength(5_001)
      expect(results.at(-1)).toEqual({ status: 'missing' })
      results.slice(0, -1).forEach((r, j) => {
        const i = 4_999 - j
        expect(r).toEqual({ status: 'present', values: { i, half: i / 2, label: `n${i}` }, eventAt: T0 + i, materializedAt: T0 + 10_000 })
      })
    })

    test('replaces a row with a newer (or equal) event, never with an older one', async () => {
      const store = await fresh()
      await store.write(view(), [row(['c'], T0, { spend: 1 })], T0)
      expect(await store.write(view(), [row(['c'], T0 + DAY, { spend: 2 })], T0 + DAY)).toBe(1)
      expect((await store.read(view(), [['c']], T0 + DAY))[0]).toEqual({ status: 'present', values: { spend: 2 }, eventAt: T0 + DAY, materializedAt: T0 + DAY })
      expect(await store.write(view(), [row(['c'], T0, { spend: 1 })], T0 + 2 * DAY)).toBe(0)
      expect((await store.read(view(), [['c']], T0 + DAY))[0]).toMatchObject({ values: { spend: 2 }, eventAt: T0 + DAY })
      expect(await store.write(view(), [row(['c'], T0 + DAY, { spend: 3 })], T0 + 3 * DAY)).toBe(1)
      expect((await store.read(view(), [['c']], T0 + DAY))[0]).toEqual({
        status: 'present',
        values: { spend: 3 },
        eventAt: T0 + DAY,
        materializedAt: T0 + 3 * DAY,
      })
    })

    test('keeps a watermark per view version', async () => {
      const store = await fresh()
      const v2 = view({ version: 'b'.repeat(64) })
      expect(await store.watermark(view())).toBeNull()
      await store.setWatermark(view(), { at: T0, updatedAt: T0 + 1 })
      expect(await store.watermark(view())).toEqual({ at: T0, updatedAt: T0 + 1 })
      expect(await store.watermark(v2)).toBeNull()
      await store.setWatermark(view(), { at: T0 + DAY, updatedAt: T0 + DAY + 1 })
      expect(await store.watermark(view())).toEqual({ at: T0 + DAY, updatedAt: T0 + DAY + 1 })
    })

    test("deletes one version's rows and watermark, and nothing else", async () => {
      const store = await fresh()
      const v2 = view({ version: 'b'.repeat(64) })
      await store.write(view(), [row(['a'], T0), row(['b'], T0), row([1, 2], T0)], T0)
      await store.write(v2, [row(['a'], T0)], T0)
      await store.setWatermark(view(), { at: T0, updatedAt: T0 })
      await store.setWatermark(v2, { at: T0, updatedAt: T0 })
      expect(await store.deleteVersion(view())).toBe(3)
      expect((await store.read(view(), [['a'], ['b'], [1, 2]], T0)).map((r) => r.status)).toEqual(['missing', 'missing', 'missing'])
      expect(await store.watermark(view())).toBeNull()
      expect((await store.read(v2, [['a']], T0))[0]?.status).toBe('present')
      expect(await store.watermark(v2)).toEqual({ at: T0, updatedAt: T0 })
      expect(await store.deleteVersion(view())).toBe(0)
    })

    test('refuses invalid keys and event times before writing any of the batch', async () => {
      const store = await fresh()
      const bad = [[Number.NaN], [], [{} as unknown as string], [true as unknown as string]]
      for (const key of bad) await expect(store.write(view(), [row(['ok'], T0), row(key, T0)], T0)).rejects.toMatchObject({ code: 'FEATURE_KEY_INVALID' })
      await expect(store.write(view(), [row(['ok'], T0), row(['t'], Number.NaN)], T0)).rejects.toMatchObject({ code: 'FEATURE_KEY_INVALID' })
      await expect(store.read(view(), [[Number.POSITIVE_INFINITY]], T0)).rejects.toMatchObject({ code: 'FEATURE_KEY_INVALID' })
      expect((await store.read(view(), [['ok']], T0))[0]?.status).toBe('missing')
    })

    test('refuses calls after close', async () => {
      const store = await fresh()
      await store.close()
      await expect(store.read(view(), [['a']], T0)).rejects.toMatchObject({ code: 'STORE_CLOSED' })
      await store.close()
    })
  })
}
