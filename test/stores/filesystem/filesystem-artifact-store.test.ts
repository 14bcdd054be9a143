import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { appendFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { sha256 } from '../../../src/core/hash.js'
import { openFilesystemArtifactStore } from '../../../src/stores/filesystem/filesystem-artifact-store.js'
import { tempDir } from '../../helpers/temp.js'
import { describeArtifactStore } from '../artifact-store.contract.js'

const dir = tempDir()
const scratch = join(dir, 'scratch')
mkdirSync(scratch)
let n = 0
const objectPath = (root: string, hash: string) => join(root, 'objects', hash.slice(0, 2), hash)

describeArtifactStore(
  'filesystem',
  async () => {
    const root = join(dir, `root-${n++}`)
    const store = await openFilesystemArtifactStore({ root })
    return {
      store,
      tamper: (hash) => appendFile(objectPath(root, hash), 'x'),
      dispose: async () => rmSync(root, { recursive: true, force: true }),
    }
  },
  scratch,
)

describe('filesystem artifact store', () => {
  it('lays objects out by hash and leaves no temp files behind', async () => {
    const root = join(dir, 'layout')
    const store = await openFilesystemArtifactStore({ root })
    const ref = await store.put(Buffer.from('abc'))
    expect(existsSync(objectPath(root, ref.sha256))).toBe(true)
    expect(readdirSync(join(root, 'tmp'))).toEqual([])
  })

  it('refuses an object that is a symlink leading out of the root', async () => {
    const root = join(dir, 'symlink')
    const store = await openFilesystemArtifactStore({ root })
    const outside = join(dir, 'outside.txt')
    writeFileSync(outside, 'secret')
    const hash = sha256('secret')
    mkdirSync(join(root, 'objects', hash.slice(0, 2)), { recursive: true })
    symlinkSync(outside, objectPath(root, hash))
    await expect(store.get(hash)).rejects.toMatchObject({ code: 'ARTIFACT_PATH_ESCAPE' })
  })

  it('refuses an object reached through a symlinked directory outside the root', async () => {
    const root = join(dir, 'symdir')
    const store = await openFilesystemArtifactStore({ root })
    const hash = sha256('elsewhere')
    const elsewhere = join(dir, 'elsewhere')
    mkdirSync(elsewhere)
    writeFileSync(join(elsewhere, hash), 'elsewhere')
    symlinkSync(elsewhere, join(root, 'objects', hash.slice(0, 2)))
    await expect(store.get(hash)).rejects.toMatchObject({ code: 'ARTIFACT_PATH_ESCAPE' })
  })

  it('reports a missing object whose file was deleted', async () => {
    const root = join(dir, 'deleted')
    const store = await openFilesystemArtifactStore({ root })
    const ref = await store.put(Buffer.from('gone'))
    unlinkSync(objectPath(root, ref.sha256))
    await expect(store.get(ref.sha256)).rejects.toMatchObject({ code: 'ARTIFACT_NOT_FOUND' })
  })
})
