import { spawn } from 'node:child_process'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { openArtifactStore, openMetadataStore } from '../../src/stores/open.js'
import { freshSchema, TEST_PG_URL } from '../helpers/postgres.js'
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

const REGISTERER = join(import.meta.dirname, 'fixtures', 'register-writer.ts')

/**
 * Kills a process that registers versions in a loop at several moments, and checks that every
 * version it left is whole: numbered without gaps, its artifacts stored, its lineage and audit entry written.
 */
async function killRegistrations(url: string, root: string, holdLock: () => Promise<() => Promise<void>>): Promise<void> {
  for (const after of [5, 9, 14, 15]) {
    // the last writer is killed while it waits for the model's lock, its artifacts written and (on PostgreSQL) its transaction open
    const release = after === 15 ? await holdLock() : undefined
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', REGISTERER, url, root], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
      let seen = 0
      let stderr = ''
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString()
      })
      child.stdout.on('data', (d: Buffer) => {
        seen += d.toString().split('\n').filter(Boolean).length
        // a few milliseconds into the next registration: somewhere between its artifact writes and its commit
        if (seen >= after && release === undefined) setTimeout(() => child.kill('SIGKILL'), after % 7)
      })
      if (release) setTimeout(() => child.kill('SIGKILL'), 4000)
      child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`writer exited ${code}: ${stderr}`))))
    })
    await release?.()
  }
  const store = await openMetadataStore(url, root)
  const artifacts = await openArtifactStore('file:artifacts', root)
  try {
    const versions = [...(await store.listModelVersions('churn'))].reverse()
    expect(versions.length).toBeGreaterThanOrEqual(14)
    expect(versions.map((v) => v.version)).toEqual(versions.map((_, i) => i + 1))
    const registered = (await store.auditLog('churn')).filter((e) => e.action === 'register').map((e) => e.version)
    expect(registered).toEqual(versions.map((v) => v.version))
    for (const v of versions) {
      const files = v.details.artifacts as { native: string; onnx: string }
      expect(await artifacts.has(files.native)).toBe(true)
      expect(await artifacts.has(files.onnx)).toBe(true)
      const up = (await store.lineageEdges('model', `churn@${v.version}`, 'up')).map((e) => e.fromKind).sort()
      expect(up).toEqual(['run', 'snapshot'])
    }
  } finally {
    await Promise.all([store.close(), artifacts.close()])
  }
}

describe('registry writes from two processes', () => {
  it('a registering process killed at any moment leaves only whole versions on SQLite', async () => {
    const root = tempDir()
    await killRegistrations('sqlite:registry.db', root, async () => {
      const db = new Database(join(root, 'registry.db'))
      db.exec('BEGIN IMMEDIATE')
      return async () => {
        db.exec('ROLLBACK')
        db.close()
      }
    })
  }, 120_000)

  it('a registering process killed at any moment leaves only whole versions on PostgreSQL', async () => {
    const schema = freshSchema()
    try {
      await killRegistrations(schema.url, tempDir(), async () => {
        const client = new pg.Client({ connectionString: TEST_PG_URL })
        await client.connect()
        await client.query('BEGIN')
        await client.query("SELECT pg_advisory_xact_lock(hashtext('keel.model:churn'))")
        return async () => {
          await client.query('ROLLBACK')
          await client.end()
        }
      })
    } finally {
      await schema.drop()
    }
  }, 120_000)

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
