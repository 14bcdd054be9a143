import { spawn } from 'node:child_process'
import { copyFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openProject } from '../../src/project.js'
import { freshSchema } from '../helpers/postgres.js'
import { REPO_ROOT, writeProject } from '../helpers/project.js'
import { tempDir } from '../helpers/temp.js'

const BIN = join(REPO_ROOT, 'bin', 'keel.js')

function scheduler(dir: string, now: string, metadataUrl: string): Promise<{ code: number | null; lines: string[] }> {
  return new Promise((resolve) => {
    const env = { ...process.env, KEEL_METADATA_URL: metadataUrl, KEEL_ARTIFACTS_URL: '', KEEL_ENV: '' }
    const child = spawn(process.execPath, [BIN, 'scheduler', '--once', '--now', now, '--json'], { cwd: dir, env })
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
    })
    child.on('exit', (code) => resolve({ code, lines: out.split('\n').filter(Boolean) }))
  })
}

async function twoSchedulers(metadataUrl: string): Promise<void> {
  const dir = writeProject(tempDir('keel-scheduler-e2e-'))
  copyFileSync(join(REPO_ROOT, 'node_modules', 'vega-datasets', 'data', 'seattle-weather.csv'), join(dir, 'weather.csv'))
  writeFileSync(
    join(dir, 'keel.config.ts'),
    `import { csv, dataset, defineProject } from 'keel'
export default defineProject({
  name: 'sched',
  datasets: { weather: dataset({ source: csv('weather.csv') }) },
  schedules: { nightly: { cron: '0 3 * * *', run: 'snapshot weather' } },
})
`,
  )
  const [a, b] = await Promise.all([scheduler(dir, '2026-11-24T03:00:20Z', metadataUrl), scheduler(dir, '2026-11-24T03:00:20Z', metadataUrl)])
  expect([a.code, b.code]).toEqual([0, 0])
  const outcomes = [...a.lines, ...b.lines].map((l) => JSON.parse(l) as { schedule: string; status: string; dueAt: number })
  expect(outcomes).toHaveLength(1)
  expect(outcomes[0]).toMatchObject({ schedule: 'nightly', status: 'finished', dueAt: Date.parse('2026-11-24T03:00:00Z') })
  // the next day, after downtime, it runs again, once
  const later = await scheduler(dir, '2026-11-26T11:00:00Z', metadataUrl)
  expect(later.lines.map((l) => (JSON.parse(l) as { dueAt: number }).dueAt)).toEqual([Date.parse('2026-11-26T03:00:00Z')])
  const project = await openProject(dir, { search: false, ...(metadataUrl === '' ? {} : { metadataUrl }) })
  try {
    expect(await project.metadata.lastScheduleRun('nightly')).toMatchObject({ status: 'finished', dueAt: Date.parse('2026-11-26T03:00:00Z') })
    expect(await project.data.snapshots('weather')).toHaveLength(1)
  } finally {
    await project.close()
  }
}

describe('keel scheduler in two processes at once', () => {
  it('runs each due job once on SQLite', async () => {
    await twoSchedulers('')
  }, 120_000)

  it('runs each due job once on PostgreSQL', async () => {
    const schema = freshSchema()
    try {
      await twoSchedulers(schema.url)
    } finally {
      await schema.drop()
    }
  }, 120_000)
})
