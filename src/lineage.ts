/** @module Lineage graphs: what a snapshot, a run or a model version was made from, followed all the way up. */
import type { MetadataStore } from './stores/metadata-store.js'

/** A node and the nodes it was made from. */
export interface LineageNode {
  readonly kind: string
  readonly id: string
  readonly upstream: readonly LineageNode[]
}

/**
 * The graph upstream of one node: model → run and snapshots → dataset, files and queries.
 * A node reached twice is shown once.
 *
 * @example
 * ```ts
 * await upstreamOf(project.metadata, 'model', 'churn@3')
 * // { kind: 'model', id: 'churn@3', upstream: [{ kind: 'run', … }, { kind: 'snapshot', id: '3f9a…', upstream: [{ kind: 'file', … }] }] }
 * ```
 */
export async function upstreamOf(metadata: MetadataStore, kind: string, id: string): Promise<LineageNode> {
  const seen = new Set<string>()
  const walk = async (k: string, i: string): Promise<LineageNode> => {
    seen.add(`${k}:${i}`)
    const upstream: LineageNode[] = []
    for (const e of await metadata.lineageEdges(k, i, 'up')) {
      if (!seen.has(`${e.fromKind}:${e.fromId}`)) upstream.push(await walk(e.fromKind, e.fromId))
    }
    return { kind: k, id: i, upstream }
  }
  return walk(kind, id)
}

/** The graph as indented lines, `←` marking what each node was made from. */
export function renderLineage(node: LineageNode, depth = 0): string[] {
  const lines = [`${'  '.repeat(depth)}${depth > 0 ? '← ' : ''}${node.kind} ${node.id}`]
  for (const up of node.upstream) lines.push(...renderLineage(up, depth + 1))
  return lines
}
