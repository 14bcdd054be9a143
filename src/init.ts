/**
 * @module `keel init`: scaffold a project and check that its stores open.
 */
import { existsSync, readFileSync } from 'node:fs'
import { appendFile, mkdir, symlink, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CONFIG_FILES } from './core/config-file.js'
import { KeelError } from './core/errors.js'
import { configTemplate, exampleTemplate } from './init-templates.js'
import { openProject } from './project.js'

export interface InitOptions {
  /** Project name. Default: the directory's name, made safe. */
  readonly name?: string
}

export interface InitResult {
  readonly root: string
  readonly name: string
  /** Files created, relative to the root. Existing files are never overwritten. */
  readonly created: readonly string[]
  /** Whether `node_modules/keel` was linked to this Keel so the config can import it. */
  readonly linked: boolean
  readonly metadataUrl: string
  readonly artifactsUrl: string
}

/** The directory of the running Keel package (the one holding its package.json). */
export function keelPackageRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..')
}

/**
 * Creates a project in `dir`: keel.config.ts, .keel/, .gitignore, package.json
 * and an example; then opens it once so that a broken setup fails here.
 *
 * @example
 * ```ts
 * const { root } = await initProject('/tmp/churn')
 * ```
 */
export async function initProject(dir: string, options: InitOptions = {}): Promise<InitResult> {
  const root = resolve(dir)
  await mkdir(root, { recursive: true })
  const existing = CONFIG_FILES.find((f) => existsSync(join(root, f)))
  if (existing) throw new KeelError('INIT_TARGET_NOT_EMPTY', `${join(root, existing)} already exists: ${root} is a Keel project`)
  const name = options.name ?? safeName(basename(root))
  const created: string[] = []
  const write = async (file: string, text: string) => {
    const path = join(root, file)
    if (existsSync(path)) return
    await mkdir(dirname(path), { recursive: true })
    await writeFile(path, text, { flag: 'wx' })
    created.push(file)
  }
  await write('keel.config.ts', configTemplate(name))
  await write('examples/track.ts', exampleTemplate())
  await write('package.json', packageJson(name))
  await ensureGitignore(root, created)
  await mkdir(join(root, '.keel'), { recursive: true })
  const linked = await linkKeel(root)
  const project = await openProject(root, { search: false })
  const result = { root, name, created, linked, metadataUrl: project.config.metadataUrl, artifactsUrl: project.config.artifactsUrl }
  await project.close()
  return result
}

function safeName(dirName: string): string {
  const cleaned = dirName.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '')
  return cleaned.slice(0, 100) || 'keel-project'
}

function packageJson(name: string): string {
  const keelRoot = keelPackageRoot()
  const { version } = JSON.parse(readFileSync(join(keelRoot, 'package.json'), 'utf8')) as { version: string }
  // a Keel installed from the registry is depended on by version; a local checkout by path
  const spec = keelRoot.split(/[\\/]/).includes('node_modules') ? `^${version}` : `file:${keelRoot}`
  const pkg = {
    name: name.toLowerCase(),
    private: true,
    type: 'module',
    scripts: { track: 'keel exec examples/track.ts', runs: 'keel runs list' },
    dependencies: { keel: spec },
  }
  return `${JSON.stringify(pkg, null, 2)}\n`
}

async function ensureGitignore(root: string, created: string[]): Promise<void> {
  const path = join(root, '.gitignore')
  if (!existsSync(path)) {
    await writeFile(path, 'node_modules/\n.keel/\n')
    created.push('.gitignore')
    return
  }
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
  if (!lines.includes('.keel/') && !lines.includes('.keel')) await appendFile(path, '\n.keel/\n')
}

/**
 * Makes `import 'keel'` and `npx keel` work in the new project without a
 * registry round trip: link node_modules/keel to the running Keel when the
 * project cannot already resolve it (what `npm install` does for a file: dependency).
 */
async function linkKeel(root: string): Promise<boolean> {
  try {
    createRequire(join(root, 'package.json')).resolve('keel/package.json')
    return false
  } catch {
    // not resolvable: link it below
  }
  const target = join(root, 'node_modules', 'keel')
  await mkdir(join(root, 'node_modules', '.bin'), { recursive: true })
  if (!existsSync(target)) await symlink(keelPackageRoot(), target, 'dir')
  const bin = join(root, 'node_modules', '.bin', 'keel')
  if (!existsSync(bin)) await symlink(relative(dirname(bin), join(target, 'bin', 'keel.js')), bin)
  return true
}
