import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { historicalFeatures } from '../../src/features/offline.js'
import type { Project } from '../../src/project.js'
import { tempDir } from '../helpers/temp.js'
import { expectNaiveValues, generate, view } from './point-in-time.cases.js'
import { csvText, projectFrom } from './project.js'

let dir: string
let project: Project
beforeAll(async () => {
  dir = tempDir('keel-pit-property-')
  project = await projectFrom(dir, {
    datasets: {
      events: { source: { kind: 'csv', path: 'events.csv' }, contract: { columns: { ts: { type: 'int' }, id: { type: 'int' } } } },
      asks: { source: { kind: 'csv', path: 'asks.csv' }, contract: { columns: { at: { type: 'int' }, id: { type: 'int' } } } },
    },
    featureViews: { view },
  })
})
afterAll(async () => project.close())

describe('point-in-time values against a naive computation (composite keys, epoch-ms times)', () => {
  for (const seed of [1, 2, 3]) {
    it(`agrees on every row and feature (seed ${seed})`, async () => {
      const { events, asks } = generate(seed)
      writeFileSync(
        join(dir, 'events.csv'),
        csvText([['region', 'id', 'ts', 'amount', 'store'], ...events.map((e) => [e.region, e.id, e.ts, e.amount, e.store])]),
      )
      writeFileSync(join(dir, 'asks.csv'), csvText([['region', 'id', 'at', 'n'], ...asks.map((a, i) => [a.region, a.id, a.at, i])]))
      const { frame } = await historicalFeatures(project, { entities: 'asks', entityTime: 'at', features: ['view:*'] })
      expectNaiveValues(frame, events, asks)
    })
  }
})
