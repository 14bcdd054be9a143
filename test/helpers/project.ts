import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const REPO_ROOT = join(import.meta.dirname, '..', '..')

/**
 * Writes a project (package.json, node_modules/keel → this checkout, and
 * keel.config.ts with `configBody`) into `dir`. The config imports 'keel' as
 * a user's does, so the package must be built (`npm test` builds first).
 */
export function writeProject(dir: string, configBody = "{ name: 'test-project' }"): string {
  mkdirSync(join(dir, 'node_modules'), { recursive: true })
  symlinkSync(REPO_ROOT, join(dir, 'node_modules', 'keel'))
  writeFileSync(join(dir, 'package.json'), '{"type":"module","private":true}\n')
  writeFileSync(join(dir, 'keel.config.ts'), `import { defineProject } from 'keel'\nexport default defineProject(${configBody})\n`)
  return dir
}
