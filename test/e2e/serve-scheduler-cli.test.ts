import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { describe, expect, it, onTestFinished } from 'vitest'
import { openProject } from '../../src/project.js'
import { cliEnv, KEEL_BIN } from '../helpers/cli.js'
import { REPO_ROOT, writeProject } from '../helpers/project.js'
import { tempDir } from '../helpers/temp.js'

const env = cliEnv({ KEEL_USER: 'ops' })

const CONFIG = `import { csv, dataset, defineProject, deployment } from 'keel'
export default defineProject({
  name: 'served',
  datasets: { weather: dataset({ source: csv('weather.csv') }) },
  deployments: { weather: deployment({ model: 'weather' }) },
  schedules: {
    everyMinute: { cron: '* * * * *', run: 'snapshot weather' },
    onSnapshot: { on: 'snapshot weather', run: 'snapshot weather' },
  },
})
`

describe('keel serve --scheduler (built CLI)', () => {
  it('runs a cron job and the job it triggers inside the serving process, and stops both on SIGTERM', async () => {
    const dir = writeProject(tempDir('keel-serve-scheduler-e2e-'))
    copyFileSync(join(REPO_ROOT, 'node_modules', 'vega-datasets', 'data', 'seattle-weather.csv'), join(dir, 'weather.csv'))
    writeFileSync(join(dir, 'keel.config.ts'), CONFIG)
    const child = spawn(process.execPath, [KEEL_BIN, 'serve', '--port', '0', '--scheduler', '--interval', '1s', '--json'], { cwd: dir, env })
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    const lines = createInterface({ input: child.stdout })
    const received: Record<string, unknown>[] = []
    const waiters: (() => void)[] = []
    lines.on('line', (line) => {
      received.push(JSON.parse(line) as Record<string, unknown>)
      for (const w of waiters.splice(0)) w()
    })
    child.once('exit', () => {
      for (const w of waiters.splice(0)) w()
    })
    // wakes on each line and on exit, so a crashed server fails the test at once
    const until = async (test: () => boolean) => {
      while (!test() && child.exitCode === null && child.signalCode === null) await new Promise<void>((resolve) => waiters.push(resolve))
    }
    const outcomes = () => received.filter((l) => 'schedule' in l) as { schedule: string; status: string; result: { created: boolean } }[]
    await until(() => outcomes().length >= 2)
    expect(stderr).toBe('')
    expect(received[0]).toMatchObject({ started: true })
    // the minute's run makes the first snapshot; the trigger sees it and runs in the same pass
    expect(outcomes().slice(0, 2)).toMatchObject([
      { schedule: 'everyMinute', status: 'finished', result: { created: true } },
      { schedule: 'onSnapshot', status: 'finished', result: { created: false } },
    ])
    const url = (received[0] as { url: string }).url
    expect((await fetch(`${url}/healthz`)).status).toBeLessThan(500)

    child.kill('SIGTERM')
    await until(() => received.some((l) => 'stopped' in l))
    await new Promise((resolve) => (child.exitCode === null && child.signalCode === null ? child.once('exit', resolve) : resolve(null)))
    expect(child.exitCode).toBe(0)
    expect(received.at(-1)).toMatchObject({ stopped: true })
    const project = await openProject(dir, { search: false })
    try {
      expect(await project.metadata.lastScheduleRun('everyMinute')).toMatchObject({ status: 'finished' })
      expect(await project.metadata.lastScheduleRun('onSnapshot')).toMatchObject({ status: 'finished' })
      expect(await project.data.snapshots('weather')).toHaveLength(1)
    } finally {
      await project.close()
    }
  }, 120_000)

  it('documents --scheduler and refuses a bad schedule before serving', () => {
    const dir = writeProject(tempDir('keel-serve-scheduler-help-'))
    const help = spawnSync(process.execPath, [KEEL_BIN, 'serve', '--help'], { cwd: dir, env, encoding: 'utf8' })
    expect(help.stdout).toMatch(/--scheduler\s+also run the config's schedules/)
    expect(help.stdout).toMatch(/--interval <duration>/)
    writeFileSync(
      join(dir, 'keel.config.ts'),
      `import { defineProject, deployment, monitor } from 'keel'
export default defineProject({
  name: 'bad',
  deployments: { churn: deployment({ model: 'churn' }) },
  monitors: { churn: monitor({ deployment: 'churn', alerts: { drift: { when: 'drift.drifted == true' } } }) },
  schedules: { retrain: { on: 'alert churn.latency', run: 'train churn' } },
})
`,
    )
    const refused = spawnSync(process.execPath, [KEEL_BIN, 'serve', '--port', '0', '--scheduler'], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 })
    expect(refused.status).toBe(2)
    expect(refused.stderr).toMatch(
      /^error SCHEDULE_INVALID: schedule "retrain": on "alert churn.latency": monitor "churn" has no alert "latency" \(its alerts: drift\)/,
    )
    const usage = spawnSync(process.execPath, [KEEL_BIN, 'serve', '--port', '0', '--interval', '5s'], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 })
    expect(usage.stderr).toMatch(/--interval goes with --scheduler/)
  }, 120_000)
})
