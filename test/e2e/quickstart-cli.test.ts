import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { QuickstartResult } from '../../src/quickstart/quickstart.js'
import { runKeel } from '../helpers/cli.js'
import { tempDir } from '../helpers/temp.js'

const STEPS = ['project', 'snapshot', 'train', 'approve', 'serve', 'traffic', 'monitor', 'drift', 'alert', 'retrain', 'canary', 'decide', 'explore']
const keel = (args: string[], cwd: string) => runKeel(args, cwd, {}, 240_000)

describe('keel quickstart (built CLI)', () => {
  it('runs the whole lifecycle on Seattle weather and leaves a project the CLI can explore', () => {
    const parent = tempDir('keel-quickstart-')
    const run = keel(['quickstart', 'q', '--json'], parent)
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
    const result = JSON.parse(run.stdout) as QuickstartResult
    const root = join(parent, 'q')
    expect(result.root).toBe(root)
    expect(result.steps.map((s) => s.name)).toEqual(STEPS)
    const step = (name: string) => result.steps.find((s) => s.name === name)?.data as Record<string, unknown>

    // trained on January–June 2012 and registered once its gate passed
    expect(step('project')).toMatchObject({ rows: 182, from: '2012-01-01', to: '2012-06-30' })
    expect(step('snapshot').rows).toBe(182)
    expect(step('train').version).toBe(1)

    // the same season a year later: no dataset drift, and an accuracy even though the
    // traffic holds a kind of day (fog) the first model never saw in training
    const calm = step('monitor')
    expect(calm.rows).toBe(90)
    expect((calm.drifted as string[]).length).toBeLessThan(2)
    expect(calm.accuracy).toBeGreaterThan(0.6)
    expect((calm.alerts as { transition: string | null }[]).every((a) => a.transition === null)).toBe(true)

    // the first summer: the temperatures drift, the alert fires once and retrains on the new labels
    const hot = step('alert')
    expect(hot.rows).toBe(90)
    expect(hot.drifted).toEqual(expect.arrayContaining(['temp_max', 'temp_min']))
    const drift = (hot.alerts as { alert: string; transition: string; actions: { action: string; ok: boolean; detail: string }[] }[]).find(
      (a) => a.alert === 'drift',
    )
    expect(drift?.transition).toBe('fired')
    expect(drift?.actions).toEqual([
      { action: 'log', ok: true, detail: 'recorded in the alert events' },
      { action: 'retrain', ok: true, detail: 'weather@2 registered' },
    ])
    expect(step('retrain').version).toBe(2)

    // the canary ends in a decision the registry shows
    expect(['promoted', 'rolled back']).toContain(result.canary)
    const decide = step('decide') as { canary: { verdict: string; challenger: { n: number }; champion: { n: number } }; champion: number }
    expect(decide.canary.challenger.n).toBeGreaterThanOrEqual(100)
    expect(decide.canary.champion.n).toBeGreaterThanOrEqual(100)
    expect(result.champion).toBe(result.canary === 'promoted' ? 2 : 1)

    const list = keel(['models', 'list', 'weather', '--json'], root)
    expect(list.status).toBe(0)
    const versions = JSON.parse(list.stdout) as { version: number; status: string; aliases: string[] }[]
    expect(versions.find((v) => v.aliases.includes('champion'))?.version).toBe(result.champion)
    // the canary is over either way: no version is challenger any more
    expect(versions.flatMap((v) => v.aliases)).toEqual(['champion'])
    expect(versions.map((v) => v.status)).toEqual(['approved', 'approved'])
    const history = keel(['monitor', 'history', 'weather', '--json'], root)
    expect((JSON.parse(history.stdout) as unknown[]).length).toBeGreaterThanOrEqual(3)
    expect(readFileSync(join(root, 'monitor-report.html'), 'utf8')).toMatch(/^<!doctype html>/i)
    expect(existsSync(join(root, 'keel.config.ts'))).toBe(true)

    // a second run never overwrites a project
    const again = keel(['quickstart', 'q'], parent)
    expect(again.status).not.toBe(0)
    expect(again.stderr).toMatch(/INIT_TARGET_NOT_EMPTY/)
    expect(again.stderr).not.toMatch(/\n\s+at /)
  }, 240_000)

  it('prints each step with its numbers for a person', () => {
    const parent = tempDir('keel-quickstart-text-')
    const run = keel(['quickstart', 'demo'], parent)
    expect(run.status).toBe(0)
    const lines = run.stdout.split('\n')
    expect(lines[0]).toBe(`Keel quickstart → ${join(parent, 'demo')}`)
    for (const [n, name] of [
      'project',
      'snapshot',
      'train',
      'approve',
      'serve',
      'traffic',
      'monitor',
      'drift',
      'alert',
      'retrain',
      'canary',
      'decide',
      'explore',
    ].entries()) {
      expect(lines.some((l) => l.startsWith(`${String(n + 1).padStart(2)} ${name.padEnd(9)} `))).toBe(true)
    }
    expect(run.stdout).toMatch(/weather@1 registered \(\d+ training rows, \d+ test rows\)/)
    expect(run.stdout).toMatch(/alert "drift" → retrain: weather@2 registered/)
    expect(run.stdout).toMatch(/done in \d+\.\d s/)
    expect(run.stderr).toMatch(/fitting the baseline and 3 candidates/)
  }, 240_000)
})
