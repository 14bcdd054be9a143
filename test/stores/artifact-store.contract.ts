import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { sha256 } from '../../src/core/hash.js'
import type { ArtifactStore } from '../../src/stores/artifact-store.js'
import { disposedAfterEach } from '../helpers/fresh.js'

export interface OpenedArtifactStore {
  readonly store: ArtifactStore
  /** Changes the stored bytes of an object behind the store's back. */
  readonly tamper: (hash: string) => Promise<void>
  readonly dispose: () => Promise<void>
}

/** The behaviour every ArtifactStore backend must have; `scratch` is a local directory for source and destination files. */
export function describeArtifactStore(name: string, open: () => Promise<OpenedArtifactStore>, scratch: string): void {
  describe(`ArtifactStore contract: ${name}`, () => {
    const fresh = disposedAfterEach(open)

    it('stores bytes under their sha256 and returns them verified', async () => {
      const { store } = await fresh()
      const bytes = Buffer.from('weights 0.1 0.2 0.3')
      const ref = await store.put(bytes)
      expect(ref).toEqual({ sha256: sha256(bytes), size: bytes.length })
      expect(await store.has(ref.sha256)).toBe(true)
      expect(Buffer.from(await store.get(ref.sha256))).toEqual(bytes)
    })

    it('stores a file by path, streaming, with the same address as its bytes', async () => {
      const { store } = await fresh()
      const path = join(scratch, 'big.bin')
      const bytes = Buffer.alloc(3 * 1024 * 1024 + 17, 7)
      writeFileSync(path, bytes)
      const ref = await store.put({ path })
      expect(ref).toEqual({ sha256: sha256(bytes), size: bytes.length })
      expect((await store.put(bytes)).sha256).toBe(ref.sha256)
    })

    it('stores identical content once and accepts it again', async () => {
      const { store } = await fresh()
      const a = await store.put(Buffer.from('same'))
      const b = await store.put(Buffer.from('same'))
      expect(b).toEqual(a)
    })

    it('stores the empty blob', async () => {
      const { store } = await fresh()
      const ref = await store.put(new Uint8Array())
      expect(ref.size).toBe(0)
      expect((await store.get(ref.sha256)).byteLength).toBe(0)
    })

    it('downloads to a file only when the content is intact', async () => {
      const { store, tamper } = await fresh()
      const ref = await store.put(Buffer.from('model bytes'))
      const good = join(scratch, 'good.out')
      await store.download(ref.sha256, good)
      expect(readFileSync(good, 'utf8')).toBe('model bytes')
      await tamper(ref.sha256)
      const bad = join(scratch, 'bad.out')
      await expect(store.download(ref.sha256, bad)).rejects.toMatchObject({ code: 'ARTIFACT_TAMPERED' })
      expect(() => readFileSync(bad)).toThrow()
    })

    it('refuses a tampered object on read', async () => {
      const { store, tamper } = await fresh()
      const ref = await store.put(Buffer.from('original'))
      await tamper(ref.sha256)
      await expect(store.get(ref.sha256)).rejects.toMatchObject({ code: 'ARTIFACT_TAMPERED' })
    })

    it('reports missing objects and malformed references', async () => {
      const { store } = await fresh()
      await expect(store.get('0'.repeat(64))).rejects.toMatchObject({ code: 'ARTIFACT_NOT_FOUND' })
      await expect(store.get('../../etc/passwd')).rejects.toMatchObject({ code: 'ARTIFACT_NOT_FOUND' })
      expect(await store.has('f'.repeat(64))).toBe(false)
    })

    it('reports an unreadable source file', async () => {
      const { store } = await fresh()
      await expect(store.put({ path: join(scratch, 'missing.bin') })).rejects.toMatchObject({ code: 'ARTIFACT_SOURCE_UNREADABLE' })
      await expect(store.put({ path: scratch })).rejects.toMatchObject({ code: 'ARTIFACT_SOURCE_UNREADABLE' })
    })

    it('keeps concurrent writers of the same content consistent', async () => {
      const { store } = await fresh()
      const bytes = Buffer.alloc(256 * 1024, 3)
      const refs = await Promise.all(Array.from({ length: 8 }, () => store.put(bytes)))
      expect(new Set(refs.map((r) => r.sha256)).size).toBe(1)
      expect(Buffer.from(await store.get(refs[0]?.sha256 ?? '')).equals(bytes)).toBe(true)
    })

    it('lists stored objects with their write time and deletes one, a repeated put refreshing the time', async () => {
      const { store } = await fresh()
      const a = await store.put(Buffer.from('first object'))
      const b = await store.put(Buffer.from('second object'))
      const listed = await store.list()
      expect(listed.map((o) => o.sha256)).toEqual([a.sha256, b.sha256].sort())
      const before = listed.find((o) => o.sha256 === a.sha256)?.modifiedAt as number
      await new Promise((r) => setTimeout(r, 20))
      await store.put(Buffer.from('first object'))
      const after = (await store.list()).find((o) => o.sha256 === a.sha256)?.modifiedAt as number
      expect(after).toBeGreaterThan(before)
      expect(await store.delete(b.sha256)).toBe(true)
      expect(await store.delete(b.sha256)).toBe(false)
      expect(await store.has(b.sha256)).toBe(false)
      expect((await store.list()).map((o) => o.sha256)).toEqual([a.sha256])
    })
  })
}
