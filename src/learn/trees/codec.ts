/** @module Tree ensembles to and from the model format: every tree's arrays concatenated, with node offsets per tree. */
import { KeelError } from '../../core/errors.js'
import type { StoredArray } from '../format.js'
import type { Ensemble, Tree } from './tree.js'

/** JSON-safe fields of an ensemble that are not arrays. */
export interface EnsembleHeader {
  readonly width: number
  readonly aggregate: 'sum' | 'mean'
  readonly nFeatures: number
}

const NODE_ARRAYS = ['feature', 'threshold', 'missingLeft', 'left', 'right', 'value', 'cover', 'gain'] as const

/** The ensemble as header fields and arrays (names prefixed `tree.`). */
export function encodeEnsemble(e: Ensemble): { header: EnsembleHeader; arrays: Record<string, StoredArray> } {
  const offsets = new Int32Array(e.trees.length + 1)
  e.trees.forEach((t, i) => {
    offsets[i + 1] = (offsets[i] as number) + t.feature.length
  })
  const arrays: Record<string, StoredArray> = { 'tree.offsets': offsets, 'tree.output': e.treeOutput, 'tree.base': e.base }
  for (const name of NODE_ARRAYS) arrays[`tree.${name}`] = concat(e.trees.map((t) => t[name]))
  return { header: { width: e.width, aggregate: e.aggregate, nFeatures: e.nFeatures }, arrays }
}

function concat<A extends StoredArray>(parts: readonly A[]): A {
  const first = parts[0]
  const ctor = (first?.constructor ?? Float64Array) as new (n: number) => A
  const out = new ctor(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p as never, at)
    at += p.length
  }
  return out
}

const corrupt = (why: string) => new KeelError('MODEL_FORMAT_UNSUPPORTED', `corrupt tree model: ${why}`)

/** Rebuilds an ensemble from {@link encodeEnsemble}'s output; MODEL_FORMAT_UNSUPPORTED if it is inconsistent. */
export function decodeEnsemble(header: Readonly<Record<string, unknown>>, arrays: Readonly<Record<string, StoredArray>>): Ensemble {
  const width = header.width
  const aggregate = header.aggregate
  const nFeatures = header.nFeatures
  if (typeof width !== 'number' || width < 1 || typeof nFeatures !== 'number' || (aggregate !== 'sum' && aggregate !== 'mean'))
    throw corrupt('bad ensemble header')
  const offsets = typed(arrays, 'tree.offsets', Int32Array)
  const parts = {
    feature: typed(arrays, 'tree.feature', Int32Array),
    threshold: typed(arrays, 'tree.threshold', Float64Array),
    missingLeft: typed(arrays, 'tree.missingLeft', Uint8Array),
    left: typed(arrays, 'tree.left', Int32Array),
    right: typed(arrays, 'tree.right', Int32Array),
    value: typed(arrays, 'tree.value', Float64Array),
    cover: typed(arrays, 'tree.cover', Float64Array),
    gain: typed(arrays, 'tree.gain', Float64Array),
  }
  const treeOutput = typed(arrays, 'tree.output', Int32Array)
  const base = typed(arrays, 'tree.base', Float64Array)
  const nNodes = parts.feature.length
  if (treeOutput.length !== offsets.length - 1 || offsets[offsets.length - 1] !== nNodes || parts.value.length !== nNodes * width)
    throw corrupt('array lengths disagree')
  const trees: Tree[] = []
  for (let t = 0; t + 1 < offsets.length; t++) trees.push(sliceTree(parts, offsets[t] as number, offsets[t + 1] as number, width, nFeatures))
  return { trees, width, treeOutput, base, aggregate, nFeatures }
}

function typed<C extends new (n: number) => StoredArray>(arrays: Readonly<Record<string, StoredArray>>, name: string, ctor: C): InstanceType<C> {
  const a = arrays[name]
  if (!(a instanceof ctor)) throw corrupt(`array "${name}" is missing or has the wrong type`)
  return a as InstanceType<C>
}

type TreeParts = { [K in keyof Tree]: Tree[K] }

function sliceTree(p: TreeParts, from: number, to: number, width: number, nFeatures: number): Tree {
  const n = to - from
  if (n < 1) throw corrupt('a tree has no nodes')
  const tree: Tree = {
    feature: p.feature.slice(from, to),
    threshold: p.threshold.slice(from, to),
    missingLeft: p.missingLeft.slice(from, to),
    left: p.left.slice(from, to),
    right: p.right.slice(from, to),
    value: p.value.slice(from * width, to * width),
    cover: p.cover.slice(from, to),
    gain: p.gain.slice(from, to),
  }
  const parents = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    const f = tree.feature[i] as number
    if (f >= nFeatures) throw corrupt(`node ${i} splits on feature ${f} of ${nFeatures}`)
    // children must come after their parent, so a corrupt file can never make predict loop forever
    if (f >= 0 && !((tree.left[i] as number) > i && (tree.left[i] as number) < n && (tree.right[i] as number) > i && (tree.right[i] as number) < n)) {
      throw corrupt(`node ${i} has children outside its tree`)
    }
    if (f < 0) continue
    const l = tree.left[i] as number
    const r = tree.right[i] as number
    if (l === r || parents[l] === 1 || parents[r] === 1) throw corrupt(`a child of node ${i} has two parents`)
    parents[l] = 1
    parents[r] = 1
  }
  return tree
}
