/**
 * @module The project the serving bench answers from: a temporary folder whose keel.config.ts
 * declares one deployment, `churn`, and a 100-tree GBDT registered, approved and made champion.
 * Everything Keel runs in the bench comes from the built package (dist/), as `keel serve` runs.
 */
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
// the built package, as `keel serve` runs it (see run.ts: the bench checks dist is up to date)
import { Frame, learners, openProject } from '../../dist/index.js'

const ROOT = join(import.meta.dirname, '..', '..')

export const DEPLOYMENT = 'churn'
export const N_FEATURES = 10
export const GBDT_PARAMS = { nTrees: 100, maxDepth: 6, learningRate: 0.1, nThreads: 1 } as const
const TRAIN_ROWS = 20_000

/** A deterministic stream in [0, 1) (the same LCG the tests use). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

/** Feature names `f0` … `f9`. */
export const FEATURES = Array.from({ length: N_FEATURES }, (_, j) => `f${j}`)

/** One instance with every feature drawn from `r`. */
export function instance(r: () => number): Record<string, number> {
  return Object.fromEntries(FEATURES.map((name, j) => [name, Math.round((r() * 10 * (j + 1) - 2 * j) * 1000) / 1000]))
}

/** 20,000 rows of 10 numeric features; the label depends on five of them non-linearly, with noise. */
function trainingFrame(): Frame {
  const r = lcg(42)
  const rows = Array.from({ length: TRAIN_ROWS }, () => {
    const x = instance(r)
    const score =
      Math.sin((x.f0 as number) / 2) +
      (x.f1 as number) / 20 -
      (x.f2 as number) / 30 +
      ((x.f3 as number) > 10 ? 1 : -0.5) +
      (x.f4 as number) * (x.f5 as number) * 1e-3
    return { ...x, churned: score + (r() - 0.5) * 1.5 > 0.5 ? 'yes' : 'no' }
  })
  return Frame.fromRecords(rows, { ...Object.fromEntries(FEATURES.map((f) => [f, 'number' as const])), churned: 'category' })
}

/**
 * Writes the project into a new temporary folder, fits and registers the model, and returns the folder.
 * The config imports 'keel' as a user's does, through node_modules/keel → this checkout (built).
 */
export async function prepareProject(): Promise<{ dir: string; fitSeconds: number; rows: number }> {
  if (!existsSync(join(ROOT, 'dist', 'index.js')))
    throw new Error('dist/index.js is missing: run `npm run build` first (keel.config.ts imports the built package)')
  const dir = mkdtempSync(join(tmpdir(), 'keel-bench-serve-'))
  mkdirSync(join(dir, 'node_modules'), { recursive: true })
  symlinkSync(ROOT, join(dir, 'node_modules', 'keel'))
  writeFileSync(join(dir, 'package.json'), '{"type":"module","private":true}\n')
  writeFileSync(
    join(dir, 'keel.config.ts'),
    `import { defineProject, deployment } from 'keel'\nexport default defineProject({ name: 'bench-serve', deployments: { ${DEPLOYMENT}: deployment({ model: 'churn' }) } })\n`,
  )
  const project = await openProject(dir, { search: false })
  try {
    const started = performance.now()
    const model = await learners.gbdt(GBDT_PARAMS).fit(trainingFrame(), { label: 'churned' })
    const fitSeconds = (performance.now() - started) / 1000
    const v = await project.registry.register({ name: 'churn', model, createdBy: 'bench' })
    const by = { actor: 'bench-approver', at: Date.now(), reason: 'serving benchmark' }
    await project.registry.approve(`churn@${v.version}`, by)
    await project.registry.setAlias('churn', 'champion', v.version, by)
    return { dir, fitSeconds, rows: TRAIN_ROWS }
  } finally {
    await project.close()
  }
}
