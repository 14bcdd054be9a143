import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { count, featureView, featureViewFrom, latest, sum } from '../../src/features/feature-view.js'
import { train } from '../../src/pipeline/train/train.js'
import type { Project } from '../../src/project.js'
import { tempDir } from '../helpers/temp.js'
import { churnData, churnOnCustomer, csvText, projectFrom } from './project.js'

const view = (window: string) =>
  featureView({
    entity: 'customer_id',
    timestamp: 'event_time',
    source: 'orders',
    ttl: '30d',
    features: { spend_7d: sum('amount', window), orders_7d: count(window), plan: latest('plan') },
  })

const churn = churnOnCustomer

let dir: string
const open = (window: string) =>
  projectFrom(dir, {
    datasets: {
      orders: { source: { kind: 'csv', path: 'orders.csv' }, contract: { columns: { event_time: { type: 'timestamp' }, customer_id: { type: 'int' } } } },
      labels: { source: { kind: 'csv', path: 'labels.csv' }, contract: { columns: { event_time: { type: 'timestamp' }, customer_id: { type: 'int' } } } },
    },
    featureViews: { customer: view(window) },
    models: { churn },
  })

let project: Project
beforeAll(async () => {
  dir = tempDir('keel-feature-train-')
  const { orders, labels } = churnData()
  writeFileSync(join(dir, 'orders.csv'), csvText(orders))
  writeFileSync(join(dir, 'labels.csv'), csvText(labels))
  project = await open('7d')
})
afterAll(async () => project.close())

describe('training on feature views', () => {
  it('joins the features point in time, and records the view versions in lineage and signature', async () => {
    const result = await train(project, 'churn', { user: 'ann' })
    expect(result.steps.map((s) => [s.step, s.status]).slice(0, 3)).toEqual([
      ['snapshot', 'ran'],
      ['features', 'ran'],
      ['split', 'ran'],
    ])
    // the label is a function of spend_7d computed point in time: a leak-free join learns it
    expect(result.test.accuracy).toBeGreaterThan(0.9)
    const version = result.version
    if (version === null) throw new Error('nothing registered')
    const { version: viewVersion } = featureViewFrom(project.config.featureViews, 'customer')
    expect((version.details.lineage as { featureViews: unknown }).featureViews).toEqual({ customer: viewVersion })
    expect((version.details.lineage as { snapshots: string[] }).snapshots).toHaveLength(2)
    expect(version.signature.featureViews).toEqual([
      {
        view: 'customer',
        version: viewVersion,
        entities: ['customer_id'],
        features: [
          { feature: 'spend_7d', input: 'spend_7d' },
          { feature: 'orders_7d', input: 'orders_7d' },
        ],
      },
    ])
    expect((version.signature.inputs as { name: string }[]).map((i) => i.name).sort()).toEqual(['orders_7d', 'region', 'spend_7d'])
  })

  it('caches on the view versions: unchanged, nothing reruns; a changed view rebuilds the training set', async () => {
    const again = await train(project, 'churn', { user: 'ann' })
    expect(again.cached).toBe(true)
    const changed = await open('6d')
    try {
      const result = await train(changed, 'churn', { user: 'ann' })
      expect(result.steps.find((s) => s.step === 'features')?.status).toBe('ran')
      expect(result.steps.find((s) => s.step === 'split')?.status).toBe('ran')
    } finally {
      await changed.close()
    }
  })
})
