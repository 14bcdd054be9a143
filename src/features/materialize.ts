/**
 * @module Materialization: the latest values of every entity, computed offline as of a time,
 * written to the online store in batches; a watermark per view version makes the next run
 * incremental.
 */
import { KeelError } from '../core/errors.js'
import type { Project } from '../project.js'
import type { OnlineRow, OnlineStore } from '../stores/online-store.js'
import { featureViewFrom, featureViewsFrom, type ResolvedFeatureView } from './feature-view.js'
import { valuesAsOf } from './offline.js'

export interface MaterializeOptions {
  /** Only entities with an event after this (epoch ms, exclusive). Default: the watermark, or everything on the first run. */
  readonly start?: number
  /** Values as of this time (epoch ms, inclusive). Default: now. */
  readonly end?: number
  /** Recompute every entity even when a watermark exists. */
  readonly full?: boolean
  /** Rows per write (one transaction or pipeline each). Default 1,000. */
  readonly batchSize?: number
  readonly now?: () => number
  /** Called as rows are computed (`done` 0) and after each batch is written. */
  readonly onProgress?: (progress: MaterializeProgress) => void
}

export interface MaterializeProgress {
  readonly view: string
  readonly phase: 'compute' | 'write'
  readonly done: number
  readonly total: number
}

export interface MaterializeResult {
  readonly view: string
  readonly version: string
  /** `full`: every entity; `incremental`: entities with events in (since, asOf]. */
  readonly mode: 'full' | 'incremental'
  readonly since: number | null
  readonly asOf: number
  /** Entities computed. */
  readonly rows: number
  /** Rows written or replaced (a row older than the stored one is kept out). */
  readonly written: number
  /** The view version's watermark after the run. */
  readonly watermark: number
  readonly durationMs: number
}

/** Computes a view's rows as of a time; `valuesAsOf` in a project, anything in tests. */
export type ComputeRows = (view: ResolvedFeatureView, asOf: number, options: { since?: number }) => Promise<readonly OnlineRow[]>

/**
 * Materializes the named view (or every view) of a project to its online store.
 *
 * @example
 * ```ts
 * const [result] = await materialize(project, 'customer') // full the first time, then incremental
 * result.written // 12034
 * ```
 */
export async function materialize(project: Project, view?: string, options: MaterializeOptions = {}): Promise<MaterializeResult[]> {
  const views = view === undefined ? featureViewsFrom(project.config.featureViews) : [featureViewFrom(project.config.featureViews, view)]
  if (views.length === 0) throw new KeelError('FEATURE_VIEW_INVALID', 'keel.config.ts declares no feature views to materialize')
  const store = await project.online()
  const compute: ComputeRows = (v, asOf, o) => valuesAsOf(project, v, asOf, o)
  const results: MaterializeResult[] = []
  for (const v of views) results.push(await materializeView(store, v, compute, options))
  return results
}

/** Materializes one view version with `compute`; the store and the clock are the caller's. */
export async function materializeView(
  store: OnlineStore,
  view: ResolvedFeatureView,
  compute: ComputeRows,
  options: MaterializeOptions = {},
): Promise<MaterializeResult> {
  const now = options.now ?? Date.now
  const started = now()
  const asOf = options.end ?? started
  if (options.start !== undefined && options.start > asOf) {
    throw new KeelError('FEATURE_RANGE_INVALID', `start ${new Date(options.start).toISOString()} is after end ${new Date(asOf).toISOString()}`)
  }
  const previous = await store.watermark(view)
  const since = options.full === true ? null : (options.start ?? previous?.at ?? null)
  const report = (phase: MaterializeProgress['phase'], done: number, total: number) => options.onProgress?.({ view: view.name, phase, done, total })
  report('compute', 0, 0)
  // a watermark past `end` leaves nothing new to compute
  const rows = since !== null && since >= asOf ? [] : await compute(view, asOf, since === null ? {} : { since })
  const written = await writeBatches(store, view, rows, now(), options.batchSize ?? 1_000, (done) => report('write', done, rows.length))
  const watermark = Math.max(previous?.at ?? Number.NEGATIVE_INFINITY, asOf)
  await store.setWatermark(view, { at: watermark, updatedAt: now() })
  return {
    view: view.name,
    version: view.version,
    mode: since === null ? 'full' : 'incremental',
    since,
    asOf,
    rows: rows.length,
    written,
    watermark,
    durationMs: now() - started,
  }
}

async function writeBatches(
  store: OnlineStore,
  view: ResolvedFeatureView,
  rows: readonly OnlineRow[],
  at: number,
  size: number,
  progress: (done: number) => void,
): Promise<number> {
  let written = 0
  for (let start = 0; start < rows.length; start += size) {
    written += await store.write(view, rows.slice(start, start + size), at)
    progress(Math.min(rows.length, start + size))
  }
  if (rows.length === 0) progress(0)
  return written
}
