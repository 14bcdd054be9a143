/**
 * @module Side-by-side comparison of runs: params and final metrics, with the
 * keys whose values differ.
 */
import type { Run, RunData } from '../core/types.js'

export interface ComparedValue {
  readonly key: string
  /** One entry per run, in the order the runs were given; null where the run lacks the key. */
  readonly values: readonly (string | number | null)[]
  readonly differs: boolean
}

export interface RunComparison {
  readonly runs: readonly Pick<Run, 'id' | 'name' | 'experimentName' | 'status'>[]
  readonly params: readonly ComparedValue[]
  readonly metrics: readonly ComparedValue[]
}

export function compareRuns(runs: readonly { run: Run; data: RunData }[]): RunComparison {
  const params = runs.map(({ data }) => new Map(Object.entries(data.params)))
  const metrics = runs.map(({ data }) => new Map(data.metrics.map((m) => [m.key, m.value])))
  return {
    runs: runs.map(({ run }) => ({ id: run.id, name: run.name, experimentName: run.experimentName, status: run.status })),
    params: side(params),
    metrics: side(metrics),
  }
}

function side<V extends string | number>(perRun: readonly Map<string, V>[]): ComparedValue[] {
  const keys = [...new Set(perRun.flatMap((m) => [...m.keys()]))].sort()
  return keys.map((key) => {
    const values = perRun.map((m) => m.get(key) ?? null)
    const first = values[0]
    const differs = values.some((v) => !Object.is(v, first))
    return { key, values, differs }
  })
}
