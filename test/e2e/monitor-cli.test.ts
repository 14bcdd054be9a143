import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runKeel } from '../helpers/cli.js'
import { REPO_ROOT, writeProject } from '../helpers/project.js'
import { tempDir } from '../helpers/temp.js'

const keel = (args: string[], cwd: string) => runKeel(args, cwd, { KEEL_USER: 'ops' }, 180_000)

/** Logs 1,200 predictions of version 1, the last 400 with wind doubled. */
const LOG = `import { openProject } from 'keel'
import { readFileSync } from 'node:fs'
const project = await openProject()
const [, ...lines] = readFileSync('weather.csv', 'utf8').trim().split('\\n')
const now = Date.now()
const records = Array.from({ length: 1200 }, (_, i) => {
  const [, precipitation, temp_max, temp_min, wind] = lines[(i * 37) % lines.length].split(',').map(Number)
  const inputs = { precipitation, temp_max, temp_min, wind: i >= 800 ? wind * 2 + 3 : wind }
  return { id: 'p' + i, deployment: 'weather', model: 'weather', version: 1, alias: 'champion', at: now - 1000 + i / 10, inputs: JSON.stringify(inputs), inputsHash: String(i), output: JSON.stringify({ label: 'sun', probabilities: { drizzle: 0.1, fog: 0.1, rain: 0.1, snow: 0.1, sun: 0.6 } }), latencyMs: 0.2, fallback: false, shadow: null, sampleRate: 1 }
})
await project.metadata.logPredictions(records)
await project.close()
`

describe('keel monitor (built CLI)', () => {
  it('runs a pass that names the drifted feature, fires its alert, and lists the history', () => {
    const dir = writeProject(tempDir('keel-monitor-e2e-'))
    copyFileSync(join(REPO_ROOT, 'node_modules', 'vega-datasets', 'data', 'seattle-weather.csv'), join(dir, 'weather.csv'))
    writeFileSync(
      join(dir, 'keel.config.ts'),
      `import { csv, dataset, defineProject, deployment, model, monitor } from 'keel'
export default defineProject({
  name: 'm',
  datasets: { weather: dataset({ source: csv('weather.csv') }) },
  models: { weather: model({ data: 'weather', label: 'weather', exclude: ['date'], candidates: { logistic: { learner: 'logistic' } } }) },
  deployments: { weather: deployment({ model: 'weather' }) },
  monitors: {
    weather: monitor({ deployment: 'weather', alerts: { wind: { when: 'drift.columns.wind.drifted == true' } } }),
    recent: monitor({ deployment: 'weather', window: { last: 400 } }),
  },
})
`,
    )
    writeFileSync(join(dir, 'log.ts'), LOG)
    expect(keel(['train', 'weather', '--json'], dir).status).toBe(0)
    expect(keel(['exec', 'log.ts'], dir).status).toBe(0)
    const run = keel(['monitor', 'run', 'weather', '--json'], dir)
    expect(run.stderr).toBe('')
    const result = JSON.parse(run.stdout) as { window: { rows: number }; drift: { driftedColumns: string[] }; alerts: { alert: string; state: string }[] }
    expect(result.window.rows).toBe(1200)
    expect(result.drift.driftedColumns).toEqual(['wind'])
    expect(result.alerts).toMatchObject([{ alert: 'wind', state: 'firing' }])
    const text = keel(['monitor', 'run', 'weather'], dir).stdout
    expect(text).toContain('✗ wind')
    expect(text).toContain('alert wind: FIRING')
    const history = JSON.parse(keel(['monitor', 'history', 'weather', '--json'], dir).stdout) as unknown[]
    expect(history).toHaveLength(2)
    const report = keel(['monitor', 'report', 'weather', '--out', join(dir, 'report.html'), '--json'], dir)
    expect(report.status).toBe(0)
    const html = readFileSync(join(dir, 'report.html'), 'utf8')
    expect(html).toMatch(/^<!doctype html>/)
    expect(html).toContain('wind — wasserstein')
    expect(html).toContain('DRIFTED')
    // four features, drift share and latency over time; no labels yet, so no performance chart
    expect((html.match(/<svg /g) ?? []).length).toBe(6)
    expect(html).toContain('Performance (metric) with 95 % intervals: no passes yet')
    expect(html).not.toMatch(/<script|https?:\/\//)
    // a count window: the newest 400 predictions, all of them with the doubled wind
    const recent = JSON.parse(keel(['monitor', 'run', 'recent', '--json'], dir).stdout) as {
      window: { rows: number; last: number; start: number }
      drift: { driftedColumns: string[]; columns: { currentRows: number }[] }
    }
    expect(recent.window).toMatchObject({ rows: 400, last: 400 })
    expect(recent.drift.columns.map((c) => c.currentRows)).toEqual([400, 400, 400, 400])
    expect(recent.drift.driftedColumns).toEqual(['wind'])
    expect(keel(['monitor', 'run', 'recent'], dir).stdout).toMatch(/^monitor recent \(weather\): the newest 400 predictions \(window: last 400\), \d{4}-/)
    expect(keel(['monitor', 'history', 'recent'], dir).stdout).toContain('400 (last 400)')
    expect(keel(['monitor', 'report', 'recent', '--out', join(dir, 'recent.html')], dir).status).toBe(0)
    expect(readFileSync(join(dir, 'recent.html'), 'utf8')).toContain('the newest 400 predictions (count window of 400;')
    expect(keel(['monitor', 'run', 'nope'], dir).stderr).toMatch(/^error MONITOR_INVALID: monitor "nope": is not declared/)
  }, 180_000)
})
