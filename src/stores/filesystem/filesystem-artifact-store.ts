/**
 * @module Content-addressed artifacts on a local filesystem:
 * `<root>/objects/ab/<sha256>`, written through a temp file and a rename.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { lstat, mkdir, open, readdir, readFile, realpath, rename, rm, stat, utimes } from 'node:fs/promises'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { KeelError } from '../../core/errors.js'
import { isSha256, sha256 } from '../../core/hash.js'
import type { ArtifactRef, ArtifactSource, ArtifactStore, StoredArtifact } from '../artifact-store.js'

export interface FilesystemArtifactStoreConfig {
  /** Directory that holds every object; created if missing. */
  readonly root: string
}

/** Opens (creating) the artifact root. */
export async function openFilesystemArtifactStore(config: FilesystemArtifactStoreConfig): Promise<ArtifactStore> {
  const root = resolve(config.root)
  try {
    await mkdir(join(root, 'objects'), { recursive: true })
    await mkdir(join(root, 'tmp'), { recursive: true })
  } catch (error) {
    throw new KeelError('ARTIFACT_WRITE_FAILED', `cannot create the artifact root ${root}: ${(error as Error).message}`, { cause: error })
  }
  return new FilesystemArtifactStore(await realpath(root))
}

export class FilesystemArtifactStore implements ArtifactStore {
  readonly backend = 'filesystem'
  readonly capabilities = { shared: false }
  readonly #root: string

  constructor(root: string) {
    this.#root = root
  }

  async put(source: ArtifactSource): Promise<ArtifactRef> {
    const tmp = join(this.#root, 'tmp', `${Date.now()}-${randomBytes(8).toString('hex')}`)
    try {
      const ref = source instanceof Uint8Array ? await writeBytes(tmp, source) : await copyHashing(source.path, tmp)
      const target = await this.#objectPath(ref.sha256)
      if (await isFile(target)) {
        await rm(tmp, { force: true })
        // a fresh write time tells a concurrent garbage collection that the object is wanted again
        const now = new Date()
        await utimes(target, now, now)
      } else {
        await mkdir(dirname(target), { recursive: true })
        await rename(tmp, target)
      }
      return ref
    } catch (error) {
      await rm(tmp, { force: true })
      throw error
    }
  }

  async get(hash: string): Promise<Uint8Array> {
    const path = await this.#existingObject(hash)
    const bytes = await readFile(path)
    const actual = sha256(bytes)
    if (actual !== hash) throw tampered(hash, actual)
    return bytes
  }

  async download(hash: string, destination: string): Promise<ArtifactRef> {
    const path = await this.#existingObject(hash)
    const tmp = `${destination}.keel-${randomBytes(6).toString('hex')}.tmp`
    try {
      const ref = await copyHashing(path, tmp)
      if (ref.sha256 !== hash) throw tampered(hash, ref.sha256)
      await rename(tmp, destination)
      return ref
    } finally {
      await rm(tmp, { force: true })
    }
  }

  async has(hash: string): Promise<boolean> {
    return isFile(await this.#objectPath(hash))
  }

  async list(): Promise<readonly StoredArtifact[]> {
    const objects = join(this.#root, 'objects')
    const out: StoredArtifact[] = []
    for (const prefix of await readdir(objects)) {
      for (const name of await readdir(join(objects, prefix)).catch(() => [] as string[])) {
        if (!isSha256(name) || name.slice(0, 2) !== prefix) continue
        const info = await lstat(join(objects, prefix, name)).catch(() => null)
        if (info?.isFile()) out.push({ sha256: name, size: info.size, modifiedAt: info.mtimeMs })
      }
    }
    return out.sort((a, b) => a.sha256.localeCompare(b.sha256))
  }

  async delete(hash: string): Promise<boolean> {
    const path = await this.#objectPath(hash)
    if (!(await isFile(path))) return false
    await rm(path, { force: true })
    return true
  }

  async close(): Promise<void> {}

  async #objectPath(hash: string): Promise<string> {
    if (!isSha256(hash)) throw new KeelError('ARTIFACT_NOT_FOUND', `"${hash}" is not a sha256 artifact reference`)
    return join(this.#root, 'objects', hash.slice(0, 2), hash)
  }

  /** The object's path, once it is known to be a regular file inside the root. */
  async #existingObject(hash: string): Promise<string> {
    const path = await this.#objectPath(hash)
    let info: Awaited<ReturnType<typeof lstat>>
    try {
      info = await lstat(path)
    } catch {
      throw new KeelError('ARTIFACT_NOT_FOUND', `artifact ${hash} is not in the store at ${this.#root}`)
    }
    if (info.isSymbolicLink()) throw new KeelError('ARTIFACT_PATH_ESCAPE', `artifact ${hash} is a symbolic link; Keel reads only regular files it wrote`)
    const real = await realpath(path)
    const rel = relative(this.#root, real)
    if (rel.startsWith(`..${sep}`) || rel === '..' || resolve(this.#root, rel) !== real) {
      throw new KeelError('ARTIFACT_PATH_ESCAPE', `artifact ${hash} resolves outside the artifact root (${real})`)
    }
    return path
  }
}

function tampered(expected: string, actual: string): KeelError {
  return new KeelError('ARTIFACT_TAMPERED', `artifact ${expected} is corrupt: its content now hashes to ${actual}`)
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}

async function writeBytes(tmp: string, bytes: Uint8Array): Promise<ArtifactRef> {
  const file = await open(tmp, 'wx')
  try {
    await file.writeFile(bytes)
    await file.sync()
  } finally {
    await file.close()
  }
  return { sha256: sha256(bytes), size: bytes.byteLength }
}

/** Streams `from` to `to`, hashing on the way, and fsyncs before returning. */
async function copyHashing(from: string, to: string): Promise<ArtifactRef> {
  let info: Awaited<ReturnType<typeof stat>>
  try {
    info = await stat(from)
  } catch (error) {
    throw new KeelError('ARTIFACT_SOURCE_UNREADABLE', `cannot read ${from}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
  }
  if (!info.isFile()) throw new KeelError('ARTIFACT_SOURCE_UNREADABLE', `${from} is not a regular file`)
  const hash = createHash('sha256')
  let size = 0
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk)
      size += chunk.length
      done(null, chunk)
    },
  })
  await pipeline(createReadStream(from), tap, createWriteStream(to, { flags: 'wx', flush: true }))
  return { sha256: hash.digest('hex'), size }
}
