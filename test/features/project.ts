import { join } from 'node:path'
import { resolveConfig } from '../../src/core/config.js'
import { Data } from '../../src/data/data.js'
import { sql } from '../../src/data/sql.js'
import { count, distinctCount, feature, latest, max, mean, min, sum } from '../../src/features/feature-view.js'
import { model } from '../../src/pipeline/model-spec.js'
import type { Project } from '../../src/project.js'
import { Registry } from '../../src/registry/registry.js'
import type { OnlineStore } from '../../src/stores/online-store.js'
import { openArtifactStore, openDataEngine, openMetadataStore, openOnlineStore } from '../../src/stores/open.js'
import { Tracking } from '../../src/tracking/tracking.js'

/** A project over `raw` (the object keel.config.ts would export) in `dir`, without a config file or a build. */
export async function projectFrom(dir: string, raw: Record<string, unknown>): Promise<Project> {
  const config = resolveConfig({ name: 'features-test', ...raw }, { root: dir, configPath: join(dir, 'keel.config.ts'), configHash: 'test' }, {}, {})
  const metadata = await openMetadataStore(config.metadataUrl, config.root)
  const artifacts = await openArtifactStore(config.artifactsUrl, config.root)
  let online: Promise<OnlineStore> | undefined
  return {
    config,
    tracking: new Tracking(metadata, artifacts, { root: dir, configHash: config.configHash, defaultExperiment: config.tracking.defaultExperiment }),
    data: new Data(config, metadata, artifacts, openDataEngine),
    registry: new Registry(metadata, artifacts, config.registry),
    metadata,
    artifacts,
    online: () => {
      online ??= openOnlineStore(config.onlineUrl, config.root)
      return online
    },
    close: async () => {
      await Promise.all([metadata.close(), artifacts.close(), online?.then((s) => s.close())])
    },
  }
}

/** A CSV file's text from rows (the first row names the columns). */
export function csvText(rows: readonly (readonly unknown[])[]): string {
  return `${rows.map((r) => r.map((v) => (v === null ? '' : String(v))).join(',')).join('\n')}\n`
}

const DAY = 86_400_000
const T0 = Date.parse('2024-01-01T00:00:00Z')
const iso = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '')

function random(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

/**
 * Orders of 60 customers over 90 days (`customer_id, event_time, amount, plan`) and 600 labelled
 * rows (`customer_id, event_time, churned, region`) whose label says whether the customer spent
 * over 300 in the 7 days up to the row's time: learnable only from a point-in-time join.
 */
export function churnData(): { orders: unknown[][]; labels: unknown[][] } {
  const r = random(7)
  const orders: unknown[][] = [['customer_id', 'event_time', 'amount', 'plan']]
  const events: [number, number, number][] = []
  for (let c = 1; c <= 60; c++) {
    const rate = 0.2 + r() * 1.5
    for (let t = T0; t < T0 + 90 * DAY; t += Math.floor((r() * DAY) / rate) + 1000) {
      const amount = Math.round(r() * 100)
      events.push([c, t, amount])
      orders.push([c, iso(t), amount, r() < 0.5 ? 'basic' : 'plus'])
    }
  }
  const labels: unknown[][] = [['customer_id', 'event_time', 'churned', 'region']]
  for (let i = 0; i < 600; i++) {
    const c = 1 + Math.floor(r() * 60)
    const at = T0 + 10 * DAY + Math.floor(r() * 80 * DAY)
    const spend = events.filter(([k, t]) => k === c && t > at - 7 * DAY && t <= at).reduce((s, [, , a]) => s + a, 0)
    labels.push([c, iso(at), spend > 300 ? 'no' : 'yes', r() < 0.5 ? 'north' : 'south'])
  }
  return { orders, labels }
}

/** The churn model of the feature tests: two features of the `customer` view and a column of the labels. */
export const churnOnCustomer = model({
  data: 'labels',
  label: 'churned',
  features: ['customer:spend_7d', 'customer:orders_7d', 'region'],
  entityTime: 'event_time',
  candidates: { forest: { learner: 'randomForest', params: { nTrees: 20, maxDepth: 4 } } },
  validation: { kind: 'kfold', folds: 3 },
})

/** Approves version `v` of `name` and makes it champion. */
export async function makeChampion(project: Project, name: string, v: number): Promise<void> {
  await project.registry.approve({ name, version: v }, { actor: 'ops', at: Date.now() })
  await project.registry.setAlias(name, 'champion', v, { actor: 'ops', at: Date.now() })
}

/** One feature of every kind over two days of `amount`, `store` and `plan` events. */
export const everyKindOfFeature = {
  spend_2d: sum('amount', '2d'),
  orders_2d: count('2d'),
  mean_2d: mean('amount', '2d'),
  min_2d: min('amount', '2d'),
  max_2d: max('amount', '2d'),
  stores_2d: distinctCount('store', '2d'),
  plan: latest('plan'),
  double: feature(sql`amount * 2`),
}
