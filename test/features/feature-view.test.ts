import { describe, expect, it } from 'vitest'
import { sql } from '../../src/data/sql.js'
import {
  count,
  distinctCount,
  feature,
  featureView,
  featureViewFrom,
  latest,
  mean,
  parseFeatureRef,
  resolveFeatureRefs,
  sum,
} from '../../src/features/feature-view.js'

const customer = featureView({
  entity: 'customer_id',
  timestamp: 'event_time',
  source: 'orders',
  ttl: '90d',
  features: {
    spend_30d: sum('amount', '30d'),
    orders_7d: count('7d'),
    basket: mean('amount', '30d'),
    stores: distinctCount('store', '30d'),
    last_plan: latest('plan'),
    ratio: feature(sql`amount / nullif(items, ${0})`),
  },
  owner: 'growth',
})

describe('feature views', () => {
  it('resolves keys, durations and features in declaration order', () => {
    const view = featureViewFrom({ customer }, 'customer')
    expect(view.entities).toEqual(['customer_id'])
    expect(view.ttlMs).toBe(90 * 86_400_000)
    expect(view.features.map((f) => [f.name, f.definition.kind, f.windowMs])).toEqual([
      ['spend_30d', 'sum', 30 * 86_400_000],
      ['orders_7d', 'count', 7 * 86_400_000],
      ['basket', 'mean', 30 * 86_400_000],
      ['stores', 'distinct', 30 * 86_400_000],
      ['last_plan', 'latest', null],
      ['ratio', 'sql', null],
    ])
    expect(view.version).toMatch(/^[0-9a-f]{64}$/)
  })

  it('versions what decides the values, and nothing else', () => {
    const version = (spec: Parameters<typeof featureView>[0]) => featureViewFrom({ v: spec }, 'v').version
    const base = version(customer)
    // owner, tags and description are not part of the version; neither is the name of the view
    expect(version({ ...customer, owner: 'risk', tags: { team: 'x' }, description: 'customers' })).toBe(base)
    expect(featureViewFrom({ other: customer }, 'other').version).toBe(base)
    // 30d and 720h are the same window
    expect(version({ ...customer, features: { ...customer.features, spend_30d: sum('amount', '720h') } })).toBe(base)
    // every part that changes a value changes the version
    const changed = [
      { ...customer, ttl: '60d' },
      { ...customer, entity: ['customer_id', 'region'] },
      { ...customer, timestamp: 'created_at' },
      { ...customer, source: 'orders_v2' },
      { ...customer, features: { ...customer.features, spend_30d: sum('amount', '31d') } },
      { ...customer, features: { ...customer.features, ratio: feature(sql`amount / nullif(items, ${1})`) } },
      { ...customer, features: { ...customer.features, extra: count('1d') } },
    ].map(version)
    expect(new Set([base, ...changed]).size).toBe(changed.length + 1)
  })

  it('names what is wrong with a view', () => {
    const bad = (spec: unknown) => () => featureViewFrom({ v: spec }, 'v')
    expect(bad({ ...customer, ttl: 'soon' })).toThrow(/feature view "v": ttl "soon" is not a duration/)
    expect(bad({ ...customer, features: { x: sum('amount', '0d') } })).toThrow(/feature "x": window "0d"/)
    expect(bad({ ...customer, features: {} })).toThrow(/declares no features/)
    expect(bad({ ...customer, entity: 'bad name' })).toThrow(/`entity` /)
    expect(bad({ ...customer, entity: ['a', 'a'] })).toThrow(/names a column twice/)
    expect(bad({ ...customer, features: { customer_id: latest('plan') } })).toThrow(/has the name of a key/)
    expect(bad({ ...customer, features: { x: { kind: 'median', column: 'a', window: '1d' } } })).toThrow(/`features.x/)
    expect(() => featureViewFrom({}, 'missing')).toThrow(expect.objectContaining({ code: 'FEATURE_VIEW_INVALID' }))
  })

  it('parses feature references and resolves them against the views', () => {
    expect(parseFeatureRef('customer:spend_30d')).toEqual({ view: 'customer', feature: 'spend_30d' })
    expect(parseFeatureRef('customer')).toEqual({ view: 'customer', feature: null })
    expect(() => parseFeatureRef('customer:')).toThrow(/not a feature reference/)
    const resolved = resolveFeatureRefs({ customer }, ['customer:last_plan', 'customer:spend_30d'])
    expect(resolved.map((r) => [r.view.name, r.features.map((f) => f.name)])).toEqual([['customer', ['spend_30d', 'last_plan']]])
    // a whole view wins over single features of it
    expect(resolveFeatureRefs({ customer }, ['customer:ratio', 'customer'])[0]?.features).toHaveLength(6)
    expect(() => resolveFeatureRefs({ customer }, ['customer:nope'])).toThrow(/has no feature nope/)
  })
})
