import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openMetadataStore } from '../../src/stores/open.js'
import { freshSchema } from '../helpers/postgres.js'
import { REPO_ROOT } from '../helpers/project.js'
import { tempDir } from '../helpers/temp.js'

const WRITER = join(import.meta.dirname, 'fixtures', 'alias-writer.ts')
const MOVES = 15

function runWriter(url: string, root: string, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, url, root, name, String(MOVES)], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${name} exited ${code}: ${stderr}`))))
  })
}

/** Two processes move one alias at the same time: every move is kept, each replacing the one before. */
async function raceAliases(url: string, root: string): Promise<void> {
  const store = await openMetadataStore(url, root)
  try {
    for (let i = 0; i < 3; i++)
      await store.createModelVersion({ name: 'churn', runId: null, createdAt: 1, createdBy: 'a', signature: {}, metrics: {}, details: {} })
    await Promise.all([runWriter(url, root, 'p1'), runWriter(url, root, 'p2')])
    const moves = (await store.auditLog('churn')).filter((e) => e.action === 'alias')
    expect(moves).toHaveLength(2 * MOVES)
    expect(new Set(moves.map((m) => m.actor))).toEqual(new Set(['p1', 'p2']))
    expect(moves[0]?.details.previous).toBeNull()
    for (let i = 1; i < moves.length; i++) expect(moves[i]?.details.previous).toBe(moves[i - 1]?.version)
    expect(await store.resolveAlias('churn', 'champion')).toBe(moves.at(-1)?.version)
  } finally {
    await store.close()
  }
}

describe('registry writes from two processes', () => {
  it('never lose an alias move on SQLite', async () => {
    const root = tempDir()
    await raceAliases('sqlite:registry.db', root)
  }, 60_000)

  it('never lose an alias move on PostgreSQL', async () => {
    const schema = freshSchema()
    try {
      await raceAliases(schema.url, tempDir())
    } finally {
      await schema.drop()
    }
  }, 60_000)
})
