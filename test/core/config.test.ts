import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { type ConfigSource, defineProject, resolveConfig } from '../../src/core/config.js'
import { findConfigFile, loadConfigFile } from '../../src/core/config-file.js'
import { tempDir } from '../helpers/temp.js'

const source: ConfigSource = { root: '/p', configPath: '/p/keel.config.ts', configHash: 'h' }
const base = defineProject({
  name: 'demo',
  environments: { production: { metadata: 'postgres://app@db/${DB_NAME}', artifacts: 'file:///srv/artifacts' } },
})

describe('resolveConfig', () => {
  it('defaults to development with embedded stores under .keel/', () => {
    const c = resolveConfig({ name: 'demo' }, source, {}, {})
    expect(c).toMatchObject({ env: 'development', metadataUrl: 'sqlite:.keel/keel.db', artifactsUrl: 'file:.keel/artifacts', root: '/p' })
    expect(c.tracking.defaultExperiment).toBe('default')
    expect(Object.isFrozen(c)).toBe(true)
  })

  it('selects an environment by option, then KEEL_ENV, then defaultEnvironment', () => {
    const env = { DB_NAME: 'prod' }
    expect(resolveConfig(base, source, { env: 'production' }, env).metadataUrl).toBe('postgres://app@db/prod')
    expect(resolveConfig(base, source, {}, { ...env, KEEL_ENV: 'production' }).env).toBe('production')
    expect(resolveConfig({ ...base, defaultEnvironment: 'production' }, source, {}, env).env).toBe('production')
    expect(resolveConfig(base, source, { env: 'development' }, { ...env, KEEL_ENV: 'production' }).env).toBe('development')
  })

  it('lets KEEL_METADATA_URL and KEEL_ARTIFACTS_URL override the environment, and options override both', () => {
    const env = { KEEL_ENV: 'production', DB_NAME: 'x', KEEL_METADATA_URL: 'postgres://ci@127.0.0.1/test', KEEL_ARTIFACTS_URL: 'file:/tmp/a' }
    const c = resolveConfig(base, source, {}, env)
    expect([c.metadataUrl, c.artifactsUrl]).toEqual(['postgres://ci@127.0.0.1/test', 'file:/tmp/a'])
    expect(resolveConfig(base, source, { metadataUrl: 'sqlite::memory:' }, env).metadataUrl).toBe('sqlite::memory:')
  })

  it('resolves the online store URL: default SQLite, the environment with ${VAR}, then KEEL_ONLINE_URL, then the option', () => {
    const online = defineProject({ name: 'demo', environments: { production: { online: 'redis://${REDIS_HOST}:6379/0?prefix=demo:' } } })
    expect(resolveConfig(online, source, {}, {}).onlineUrl).toBe('sqlite:.keel/online.db')
    expect(resolveConfig(online, source, { env: 'production' }, { REDIS_HOST: 'cache' }).onlineUrl).toBe('redis://cache:6379/0?prefix=demo:')
    expect(resolveConfig(online, source, { env: 'production' }, { KEEL_ONLINE_URL: 'sqlite::memory:' }).onlineUrl).toBe('sqlite::memory:')
    expect(resolveConfig(online, source, { env: 'production', onlineUrl: 'redis://x/1' }, { KEEL_ONLINE_URL: 'sqlite:a' }).onlineUrl).toBe('redis://x/1')
    expect(() => resolveConfig(online, source, { env: 'production' }, {})).toThrow(
      expect.objectContaining({ code: 'CONFIG_ENV_VAR_MISSING', message: expect.stringContaining('environments.production.online') }),
    )
  })

  it('names the missing variable and the key that refers to it', () => {
    expect(() => resolveConfig(base, source, { env: 'production' }, {})).toThrow(
      expect.objectContaining({ code: 'CONFIG_ENV_VAR_MISSING', message: expect.stringContaining('environments.production.metadata') }),
    )
  })

  it('lists the declared environments when an unknown one is asked for', () => {
    expect(() => resolveConfig(base, source, { env: 'staging' }, {})).toThrow(
      expect.objectContaining({ code: 'CONFIG_ENV_UNKNOWN', message: expect.stringContaining('development, production') }),
    )
  })

  it('rejects unknown keys, naming the key and what is accepted there', () => {
    const error = captured(() => resolveConfig({ name: 'x', environments: { dev: { metadata: 'sqlite:a', artefacts: 'file:b' } } }, source, {}, {}))
    expect(error).toMatchObject({ code: 'CONFIG_INVALID' })
    expect(error.message).toContain('`environments.dev` has unknown key `artefacts`')
    expect(error.hint).toContain('metadata, artifacts')
  })

  it('explains a missing or malformed name and wrong types', () => {
    expect(captured(() => resolveConfig({}, source, {}, {})).message).toContain('`name` is required')
    expect(captured(() => resolveConfig({ name: 'has space' }, source, {}, {})).hint).toContain('Set `name`')
    expect(captured(() => resolveConfig({ name: 'x', environments: { dev: { metadata: 5 } } }, source, {}, {})).message).toContain(
      '`environments.dev.metadata` must be string, got number',
    )
    expect(captured(() => resolveConfig('nope', source, {}, {})).code).toBe('CONFIG_INVALID')
  })
})

describe('config files', () => {
  const dir = tempDir()

  it('finds keel.config.ts in a parent directory, or only in the given one when not searching', () => {
    const root = join(dir, 'proj')
    mkdirSync(join(root, 'a', 'b'), { recursive: true })
    writeFileSync(join(root, 'keel.config.ts'), "export default { name: 'p' }\n")
    expect(findConfigFile(join(root, 'a', 'b'))).toBe(join(root, 'keel.config.ts'))
    expect(() => findConfigFile(join(root, 'a'), false)).toThrow(expect.objectContaining({ code: 'CONFIG_NOT_FOUND' }))
  })

  it('loads TypeScript that imports keel, with no build step', async () => {
    const root = join(dir, 'typed')
    mkdirSync(join(root, 'node_modules'), { recursive: true })
    symlinkSync(join(import.meta.dirname, '..', '..'), join(root, 'node_modules', 'keel'))
    writeFileSync(join(root, 'package.json'), '{"type":"module"}')
    const text = "import { defineProject } from 'keel'\nconst n: number = 2\nexport default defineProject({ name: `typed-${n}` })\n"
    writeFileSync(join(root, 'keel.config.ts'), text)
    const { raw, source: loaded } = await loadConfigFile(join(root, 'keel.config.ts'))
    expect(raw).toEqual({ name: 'typed-2' })
    expect(loaded.root).toBe(root)
    expect(loaded.configHash).toMatch(/^[0-9a-f]{64}$/)
  })

  it('loads a config in a CommonJS package too', async () => {
    const root = join(dir, 'cjs')
    mkdirSync(root)
    writeFileSync(join(root, 'keel.config.ts'), "export default { name: 'cjs' }\n")
    expect((await loadConfigFile(join(root, 'keel.config.ts'))).raw).toEqual({ name: 'cjs' })
  })

  it('reports a syntax error with the file', async () => {
    const root = join(dir, 'broken')
    mkdirSync(root)
    writeFileSync(join(root, 'keel.config.ts'), 'export default defineProject({ name: "x",, })\n')
    const error = await loadConfigFile(join(root, 'keel.config.ts')).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'CONFIG_LOAD_FAILED', message: expect.stringContaining(join(root, 'keel.config.ts')) })
  })

  it('reports a config without a default export', async () => {
    const root = join(dir, 'nodefault')
    mkdirSync(root)
    writeFileSync(join(root, 'keel.config.ts'), 'export const name = "x"\n')
    await expect(loadConfigFile(join(root, 'keel.config.ts'))).rejects.toMatchObject({ code: 'CONFIG_INVALID' })
  })
})

function captured(fn: () => unknown): { code: string; message: string; hint: string } {
  try {
    fn()
  } catch (error) {
    return error as { code: string; message: string; hint: string }
  }
  throw new Error('expected an error')
}
