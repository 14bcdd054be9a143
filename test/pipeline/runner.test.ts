import { afterAll, describe, expect, it } from 'vitest'
import { isKeelError } from '../../src/core/errors.js'
import { StepCache } from '../../src/pipeline/cache.js'
import { inProcessExecutor } from '../../src/pipeline/executor.js'
import { PipelineFailure, runPipeline } from '../../src/pipeline/runner.js'
import { decodeJson, decodeParts, defineStep, encodeJson, encodeParts, type PipelineStep } from '../../src/pipeline/step.js'
import type { ArtifactStore } from '../../src/stores/artifact-store.js'
import type { MetadataStore } from '../../src/stores/metadata-store.js'
import { openArtifactStore, openMetadataStore } from '../../src/stores/open.js'
import { tempDir } from '../helpers/temp.js'

const dir = tempDir('keel-pipeline-')
const stores: { metadata: MetadataStore; artifacts: ArtifactStore }[] = []
afterAll(async () => {
  for (const s of stores) await Promise.all([s.metadata.close(), s.artifacts.close()])
})

async function cache(name: string): Promise<StepCache> {
  const metadata = await openMetadataStore(`sqlite:${name}.db`, dir)
  const artifacts = await openArtifactStore(`file:${name}-artifacts`, dir)
  stores.push({ metadata, artifacts })
  return new StepCache(metadata, artifacts)
}

/** A step computing `fn` of its inputs' numbers, counting its executions. */
function numberStep(name: string, needs: string[], fn: (inputs: number[]) => number, runs: Record<string, number>, config: unknown = null): PipelineStep {
  return defineStep<number>({
    name,
    needs,
    version: '1',
    config,
    cache: true,
    run: async (inputs) => {
      runs[name] = (runs[name] ?? 0) + 1
      return fn(needs.map((n) => inputs.get<number>(n)))
    },
    encode: encodeJson,
    decode: (b) => decodeJson<number>(b),
  }) as PipelineStep
}

describe('pipeline runner', () => {
  it('caches every step by its inputs, config and version, and re-running with nothing changed runs nothing', async () => {
    const c = await cache('a')
    const runs: Record<string, number> = {}
    let source = 3
    const steps = (scale: number) => [
      defineStep<number>({
        name: 'read',
        needs: [],
        version: '1',
        cache: false,
        run: async () => {
          runs.read = (runs.read ?? 0) + 1
          return source
        },
        encode: encodeJson,
        decode: (b) => decodeJson<number>(b),
      }) as PipelineStep,
      numberStep('double', ['read'], ([x]) => (x as number) * 2, runs),
      numberStep('scale', ['double'], ([x]) => (x as number) * scale, runs, { scale }),
      numberStep('sum', ['read', 'scale'], ([a, b]) => (a as number) + (b as number), runs),
    ]
    const first = await runPipeline({ name: 'p', steps: steps(10) }, { cache: c, context: {} })
    expect(first.outputs.get('sum')).toBe(63)
    expect(first.outcomes.map((o) => o.status)).toEqual(['ran', 'ran', 'ran', 'ran'])
    const second = await runPipeline({ name: 'p', steps: steps(10) }, { cache: c, context: {} })
    expect(second.outputs.get('sum')).toBe(63)
    expect(second.outcomes.map((o) => o.status)).toEqual(['ran', 'cached', 'cached', 'cached'])
    expect(second.allCached).toBe(true)
    expect(runs).toEqual({ read: 2, double: 1, scale: 1, sum: 1 })
    // a changed config reruns that step and what depends on it, nothing upstream
    const third = await runPipeline({ name: 'p', steps: steps(100) }, { cache: c, context: {} })
    expect(third.outputs.get('sum')).toBe(603)
    expect(third.outcomes.map((o) => [o.step, o.status])).toEqual([
      ['read', 'ran'],
      ['double', 'cached'],
      ['scale', 'ran'],
      ['sum', 'ran'],
    ])
    // changed data reruns everything downstream of it
    source = 4
    const fourth = await runPipeline({ name: 'p', steps: steps(100) }, { cache: c, context: {} })
    expect(fourth.outputs.get('sum')).toBe(804)
    expect(fourth.outcomes.every((o) => o.status === 'ran')).toBe(true)
  })

  it('keys downstream steps on the content of their inputs: an unchanged output leaves them cached', async () => {
    const c = await cache('b')
    const runs: Record<string, number> = {}
    const steps = (threshold: number) => [
      numberStep('flag', [], () => (5 > threshold ? 1 : 0), runs, { threshold }),
      numberStep('report', ['flag'], ([f]) => (f as number) * 100, runs),
    ]
    await runPipeline({ name: 'q', steps: steps(1) }, { cache: c, context: {} })
    const again = await runPipeline({ name: 'q', steps: steps(2) }, { cache: c, context: {} })
    expect(again.outcomes.map((o) => o.status)).toEqual(['ran', 'cached'])
    expect(runs).toEqual({ flag: 2, report: 1 })
  })

  it('a failed step marks the pipeline failed with its error, skips its dependents, keeps what finished, and the rerun reuses it', async () => {
    const c = await cache('c')
    const runs: Record<string, number> = {}
    let broken = true
    const steps = [
      numberStep('load', [], () => 7, runs),
      numberStep('left', ['load'], ([x]) => (x as number) + 1, runs),
      defineStep<number>({
        name: 'right',
        needs: ['load'],
        version: '1',
        cache: true,
        run: async (inputs) => {
          runs.right = (runs.right ?? 0) + 1
          if (broken) throw new Error('disk full')
          return inputs.get<number>('load') * 3
        },
        encode: encodeJson,
        decode: (b) => decodeJson<number>(b),
      }) as PipelineStep,
      numberStep('join', ['left', 'right'], ([a, b]) => (a as number) + (b as number), runs),
    ]
    const failure = await runPipeline({ name: 'r', steps }, { cache: c, context: {} }).catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(PipelineFailure)
    const f = failure as PipelineFailure
    expect(isKeelError(f) && f.code).toBe('PIPELINE_STEP_FAILED')
    expect(f.message).toBe('step "right" failed: disk full')
    expect(f.outcomes.map((o) => [o.step, o.status])).toEqual([
      ['load', 'ran'],
      ['left', 'ran'],
      ['right', 'failed'],
      ['join', 'skipped'],
    ])
    broken = false
    const fixed = await runPipeline({ name: 'r', steps }, { cache: c, context: {} })
    expect(fixed.outputs.get('join')).toBe(29)
    expect(fixed.outcomes.map((o) => o.status)).toEqual(['cached', 'cached', 'ran', 'ran'])
    expect(runs).toEqual({ load: 1, left: 1, right: 2, join: 1 })
  })

  it('runs independent steps concurrently, never more than the executor allows', async () => {
    const c = await cache('d')
    let running = 0
    let most = 0
    const slow = (name: string) =>
      defineStep<number>({
        name,
        needs: ['start'],
        version: '1',
        cache: false,
        run: async () => {
          running++
          most = Math.max(most, running)
          await new Promise((r) => setTimeout(r, 30))
          running--
          return 1
        },
        encode: encodeJson,
        decode: (b) => decodeJson<number>(b),
      }) as PipelineStep
    const steps = [numberStep('start', [], () => 0, {}), ...['a', 'b', 'c', 'd', 'e', 'f'].map(slow)]
    await runPipeline({ name: 's', steps }, { cache: c, context: {}, executor: inProcessExecutor({ concurrency: 3 }) })
    expect(most).toBe(3)
    most = 0
    await runPipeline({ name: 's', steps }, { cache: c, context: {}, executor: inProcessExecutor({ concurrency: 1 }) })
    expect(most).toBe(1)
  })

  it('refuses duplicate names, unknown inputs and cycles before running anything', async () => {
    const c = await cache('e')
    const runs: Record<string, number> = {}
    const run = (steps: PipelineStep[]) => runPipeline({ name: 't', steps }, { cache: c, context: {} })
    await expect(run([numberStep('a', [], () => 1, runs), numberStep('a', [], () => 1, runs)])).rejects.toMatchObject({ code: 'PIPELINE_INVALID' })
    await expect(run([numberStep('a', ['ghost'], () => 1, runs)])).rejects.toThrow(/needs "ghost"/)
    await expect(run([numberStep('a', ['b'], () => 1, runs), numberStep('b', ['a'], () => 1, runs)])).rejects.toThrow(/cycle/)
    expect(runs).toEqual({})
  })

  it('recomputes a cached output whose artifact was removed', async () => {
    const c = await cache('f')
    const runs: Record<string, number> = {}
    const steps = [numberStep('only', [], () => 42, runs)]
    const first = await runPipeline({ name: 'u', steps }, { cache: c, context: {} })
    const entry = await c.metadata.getStepCache(first.outcomes[0]?.key as string)
    await c.artifacts.delete(entry?.artifactSha256 as string)
    const again = await runPipeline({ name: 'u', steps }, { cache: c, context: {} })
    expect(again.outcomes[0]?.status).toBe('ran')
    expect(runs.only).toBe(2)
  })

  it('packs JSON with binary parts without base64', () => {
    const blob = Uint8Array.from({ length: 1000 }, (_, i) => i % 251)
    const packed = encodeParts({ name: 'x' }, [blob, new Uint8Array(0)])
    expect(packed.byteLength).toBeLessThan(1100)
    const { header, parts } = decodeParts<{ name: string }>(packed)
    expect(header).toEqual({ name: 'x' })
    expect(parts[0]).toEqual(blob)
    expect(parts[1]?.byteLength).toBe(0)
  })
})
