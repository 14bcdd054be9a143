import { utimesSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { collectGarbage } from '../src/gc.js'
import { openFilesystemArtifactStore } from '../src/stores/filesystem/filesystem-artifact-store.js'
import { openSqliteMetadataStore } from '../src/stores/sqlite/sqlite-metadata-store.js'
import { tempDir } from './helpers/temp.js'

describe('collectGarbage', () => {
  it('removes only unreferenced objects past the grace period, never a referenced one, and nothing on a dry run', async () => {
    const root = join(tempDir(), 'artifacts')
    const metadata = await openSqliteMetadataStore({ path: ':memory:' })
    const artifacts = await openFilesystemArtifactStore({ root })
    try {
      const referenced = await artifacts.put(Buffer.from('the champion model'))
      const snapshotData = await artifacts.put(Buffer.from('snapshot parquet'))
      const orphanOld = await artifacts.put(Buffer.from('an abandoned attempt'))
      const orphanYoung = await artifacts.put(Buffer.from('being registered right now'))
      await metadata.createModelVersion({
        name: 'm',
        runId: null,
        createdAt: 1,
        createdBy: 'a',
        signature: {},
        metrics: {},
        details: { artifacts: { native: referenced.sha256 } },
      })
      const snap = {
        id: 's',
        dataset: 'd',
        createdAt: 1,
        contentHash: 'c',
        rows: 1,
        columns: 1,
        quarantined: 0,
        quarantineSha256: null,
        configHash: null,
        details: {},
      }
      await metadata.saveSnapshot({ ...snap, artifactSha256: snapshotData.sha256 }, [])
      // everything but the young orphan was written two hours ago
      const twoHoursAgo = new Date(Date.now() - 7_200_000)
      for (const ref of [referenced, snapshotData, orphanOld]) {
        utimesSync(join(root, 'objects', ref.sha256.slice(0, 2), ref.sha256), twoHoursAgo, twoHoursAgo)
      }

      const dry = await collectGarbage(metadata, artifacts, { dryRun: true })
      expect(dry).toMatchObject({ dryRun: true, scanned: 4, referenced: 2, young: 1, bytesFreed: orphanOld.size })
      expect(dry.removed.map((a) => a.sha256)).toEqual([orphanOld.sha256])
      expect(await artifacts.has(orphanOld.sha256)).toBe(true)

      const real = await collectGarbage(metadata, artifacts)
      expect(real.removed.map((a) => a.sha256)).toEqual([orphanOld.sha256])
      expect(real.bytesFreed).toBe(orphanOld.size)
      for (const kept of [referenced, snapshotData, orphanYoung]) expect(await artifacts.has(kept.sha256)).toBe(true)
      expect(await artifacts.has(orphanOld.sha256)).toBe(false)
      // a second pass finds nothing more to do
      expect((await collectGarbage(metadata, artifacts)).removed).toEqual([])
    } finally {
      await metadata.close()
      await artifacts.close()
    }
  })
})
