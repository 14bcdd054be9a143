import type { SpawnSyncReturns } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { churnData, csvText } from '../features/project.js'
import { runKeel } from '../helpers/cli.js'
import { writeProject } from '../helpers/project.js'
import { tempDir } from '../helpers/temp.js'

function keel(args: string[], cwd: string): SpawnSyncReturns<string> {
  return runKeel(args, cwd, { KEEL_USER: 'ann' }, 300_000)
}

function json<T>(result: SpawnSyncReturns<string>): T {
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
  return JSON.parse(result.stdout) as T
}

const IMPORTS = "import { contract, count, csv, dataset, defineProject, featureView, latest, model, sum } from 'keel'"
const config = (customer: string) => `${IMPORTS}
const typed = contract({ columns: { event_time: { type: 'timestamp' }, customer_id: { type: 'int' } } })
export default defineProject({
  name: 'shop',
  datasets: {
    orders: dataset({ source: csv('orders.csv'), contract: typed }),
    labels: dataset({ source: csv('labels.csv'), contract: typed }),
  },
  featureViews: { customer: featureView(${customer}) },
  models: {
    churn: model({
      data: 'labels',
      label: 'churned',
      features: ['customer:spend_7d', 'customer:orders_7d', 'region'],
      entityTime: 'event_time',
      candidates: { forest: { learner: 'randomForest', params: { nTrees: 20, maxDepth: 4 } } },
      validation: { kind: 'kfold', folds: 3 },
    }),
  },
})
`
const V1 = `{ entity: 'customer_id', timestamp: 'event_time', source: 'orders', ttl: '30d',
  features: { spend_7d: sum('amount', '7d'), orders_7d: count('7d'), plan: latest('plan') } }`
const V2 = `{ entity: 'customer_id', timestamp: 'event_time', source: 'orders', ttl: '60d',
  features: { spend_7d: sum('amount', '7d'), orders_7d: count('14d'), spend_30d: sum('amount', '30d') } }`

interface Plan {
  applied: boolean
  views: { name: string; status: string; version: string; previous: string | null; diff: { added: string[]; removed: string[]; changed: string[] } }[]
}

describe('keel features apply | list, and keel train on feature views (built CLI)', () => {
  const dir = writeProject(tempDir('keel-features-e2e-'))
  const { orders, labels } = churnData()
  writeFileSync(join(dir, 'orders.csv'), csvText(orders))
  writeFileSync(join(dir, 'labels.csv'), csvText(labels))
  writeFileSync(join(dir, 'keel.config.ts'), config(V1))

  it('registers versions and shows what changed, like a plan', () => {
    expect(keel(['features', '--help'], dir).stdout).toMatch(/apply[\s\S]*list/)
    const before = json<{ name: string; current: string; registered: string | null; applied: boolean }[]>(keel(['features', 'list', '--json'], dir))
    expect(before).toMatchObject([{ name: 'customer', registered: null, applied: false }])
    const first = json<Plan>(keel(['features', 'apply', '--json'], dir))
    expect(first.views).toMatchObject([{ name: 'customer', status: 'new', version: before[0]?.current, previous: null }])
    expect(json<Plan>(keel(['features', 'apply', '--json'], dir)).views[0]?.status).toBe('unchanged')

    writeFileSync(join(dir, 'keel.config.ts'), config(V2))
    const plan = keel(['features', 'apply', '--dry-run'], dir)
    expect(plan.status).toBe(0)
    expect(plan.stdout).toContain('~ customer  changed')
    expect(plan.stdout).toContain('+ feature spend_30d')
    expect(plan.stdout).toContain('- feature plan')
    expect(plan.stdout).toContain('~ feature orders_7d')
    expect(plan.stdout).toContain('~ ttl: 30d → 60d')
    expect(plan.stdout).toContain('Plan: 0 new, 1 changed, 0 unchanged.')
    // a dry run registers nothing
    expect(json<{ versions: number }[]>(keel(['features', 'list', '--json'], dir))[0]?.versions).toBe(1)
    const applied = json<Plan>(keel(['features', 'apply', '--json'], dir))
    expect(applied.views[0]).toMatchObject({
      status: 'changed',
      previous: first.views[0]?.version,
      diff: { added: ['spend_30d'], removed: ['plan'], changed: ['orders_7d'] },
    })
    const listed = keel(['features', 'list'], dir)
    expect(listed.stdout).toMatch(/customer\s+orders\s+customer_id\s+3\s+60d/)
  })

  it('trains a model on feature views and records their versions', () => {
    writeFileSync(join(dir, 'keel.config.ts'), config(V1))
    const result = json<{
      steps: { step: string; status: string }[]
      version: { version: number; signature: { featureViews: { view: string; version: string }[] } }
    }>(keel(['train', 'churn', '--json'], dir))
    expect(result.steps.map((s) => s.step)).toContain('features')
    const current = json<{ current: string }[]>(keel(['features', 'list', '--json'], dir))[0]?.current
    expect(result.version.signature.featureViews).toMatchObject([{ view: 'customer', version: current }])
    const shown = json<{ details: { lineage: { featureViews: Record<string, string> }; card: string } }>(keel(['models', 'show', 'churn@1', '--json'], dir))
    expect(shown.details.lineage.featureViews).toEqual({ customer: current })
    expect(shown.details.card).toContain(`- Feature views: \`customer@${current?.slice(0, 12)}\``)
  })
})
