import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { describe, expect, it } from 'vitest'
import { cliEnv, KEEL_BIN, runKeel } from '../helpers/cli.js'
import { writeProject } from '../helpers/project.js'
import { tempDir } from '../helpers/temp.js'

const env = cliEnv({ KEEL_USER: 'ops' })
const keel = (args: string[], cwd: string, user = 'ops') => runKeel(args, cwd, { KEEL_USER: user })

const REGISTER = `import { Frame, learners, openProject } from 'keel'
const project = await openProject()
const frame = Frame.fromRecords(Array.from({ length: 300 }, (_, i) => ({ x: i % 50, y: i % 50 < 20 ? 'a' : 'b' })), { x: 'number', y: 'category' })
for (const nTrees of [3, 6]) await project.registry.register({ name: 'churn', model: await learners.gbdt({ nTrees, maxDepth: 2 }).fit(frame, { label: 'y' }), createdBy: 'trainer' })
await project.close()
`

describe('keel serve, deploy, rollback, tokens (built CLI)', () => {
  it('serves, switches versions through deploy and rollback, and on SIGTERM drains and logs every answer', async () => {
    const dir = writeProject(tempDir('keel-serve-e2e-'))
    writeFileSync(
      join(dir, 'keel.config.ts'),
      "import { defineProject, deployment } from 'keel'\nexport default defineProject({ name: 's', deployments: { churn: deployment({ model: 'churn' }) } })\n",
    )
    writeFileSync(join(dir, 'register.ts'), REGISTER)
    expect(keel(['exec', 'register.ts'], dir).status).toBe(0)
    for (const v of ['1', '2']) expect(keel(['models', 'approve', `churn@${v}`, '--reason', 'ok'], dir).status).toBe(0)
    expect(keel(['models', 'alias', 'churn', 'champion', '1'], dir).status).toBe(0)

    const child = spawn(process.execPath, [KEEL_BIN, 'serve', '--port', '0', '--poll', '200', '--json'], { cwd: dir, env })
    const lines = createInterface({ input: child.stdout })
    const next = () => new Promise<string>((resolve) => lines.once('line', resolve))
    const started = JSON.parse(await next()) as { url: string; deployments: { serving: Record<string, number> }[] }
    expect(started.deployments[0]?.serving).toEqual({ champion: 1 })
    const predict = async () => {
      const res = await fetch(`${started.url}/v1/models/churn:predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ instances: [{ x: 3 }, { x: 40 }] }),
      })
      expect(res.status).toBe(200)
      return ((await res.json()) as { model: { version: number; alias: string } }).model
    }
    expect(await predict()).toEqual({ name: 'churn', version: 1, alias: 'champion' })

    const canary = JSON.parse(keel(['deploy', 'churn', '--canary', '50', '--json'], dir).stdout) as { challenger: number; traffic: Record<string, number> }
    expect(canary).toMatchObject({ challenger: 2, traffic: { champion: 50, challenger: 50 } })
    const seen = new Set<string>()
    const deadline = Date.now() + 5000
    while (seen.size < 2 && Date.now() < deadline) seen.add((await predict()).alias)
    expect(seen).toEqual(new Set(['champion', 'challenger']))
    expect(JSON.parse(keel(['deploy', 'churn', '--promote', '--reason', 'better', '--json'], dir).stdout)).toMatchObject({ champion: 2, traffic: null })
    await new Promise((resolve) => setTimeout(resolve, 700))
    expect((await predict()).version).toBe(2)
    expect(JSON.parse(keel(['rollback', 'churn', '--json'], dir).stdout)).toMatchObject({ champion: 1 })
    await new Promise((resolve) => setTimeout(resolve, 700))
    expect((await predict()).version).toBe(1)

    const stopping = next()
    child.kill('SIGTERM')
    const stopped = JSON.parse(await stopping) as { stopped: boolean; answered: number; logged: number }
    await new Promise((resolve) => child.once('exit', resolve))
    expect(child.exitCode).toBe(0)
    expect(stopped.answered).toBeGreaterThanOrEqual(8)
    expect(stopped.logged).toBe(stopped.answered)
    expect(keel(['models', 'audit', 'churn'], dir).stdout).toContain('routing')
  }, 120_000)

  it('creates, lists and revokes tokens, showing the secret once', () => {
    const dir = writeProject(tempDir('keel-tokens-e2e-'), "{ name: 't' }")
    const created = JSON.parse(keel(['tokens', 'create', '--role', 'predict', '--name', 'checkout', '--json'], dir).stdout) as { id: string; secret: string }
    expect(created.secret).toMatch(/^keel_[A-Za-z0-9_-]{32}$/)
    const listed = keel(['tokens', 'list', '--json'], dir).stdout
    expect(listed).toContain('checkout')
    expect(listed).not.toContain(created.secret)
    expect(keel(['tokens', 'revoke', created.id], dir).status).toBe(0)
    const again = keel(['tokens', 'revoke', created.id], dir)
    expect(again.status).toBe(64)
    expect(keel(['tokens', 'create', '--role', 'root'], dir).stderr).toMatch(/^error CLI_USAGE: --role must be predict or admin/)
    expect(keel(['serve', '--token-cache', '-5'], dir).stderr).toMatch(/^error CLI_USAGE: --token-cache must be 0 or more ms/)
  })
})
