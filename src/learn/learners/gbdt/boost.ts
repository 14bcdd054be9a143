/** @module The boosting loop: one tree per output per round, row and column sampling, early stopping. */
import { availableParallelism } from 'node:os'
import { KernelThreads, spread } from '../../kernels/threads.js'
import { createRandom, type Random } from '../../random.js'
import type { TrainingData } from '../../training-data.js'
import { type BinnedFeatures, binFeatures } from '../../trees/binning.js'
import { GrowWorkspace, growTree } from '../../trees/grow.js'
import { HISTOGRAM_PARTS } from '../../trees/histogram.js'
import { allIndices, sampleWithoutReplacement } from '../../trees/sampling.js'
import type { Ensemble, Tree } from '../../trees/tree.js'
import type { Objective } from './objectives.js'
import type { GbdtParams } from './params.js'
import type { HeldOut } from './validation-data.js'

/** The fitted ensemble and how many rounds it kept. */
export interface Boosted {
  readonly ensemble: Ensemble
  readonly rounds: number
  /** Validation loss after each round (empty without validation). */
  readonly validationLoss: readonly number[]
}

// A worker starts in tens of milliseconds; below this many rows the whole fit takes about that long.
const THREADED_ROWS = 50_000

/** Runs the boosting rounds of `params` on `data`. */
export function boost(data: TrainingData, params: GbdtParams, objective: Objective, validation?: HeldOut): Boosted {
  const bins = binFeatures(data.columns, data.nRows, params.maxBins)
  const threads = helperThreads(bins, params.nThreads)
  try {
    return boostOn(bins, threads, data, params, objective, validation)
  } finally {
    threads?.release()
  }
}

/** Worker threads for large fits (their start costs more than small fits take). */
function helperThreads(bins: BinnedFeatures, nThreads: number): KernelThreads | null {
  const wanted = Math.min(nThreads === 0 ? availableParallelism() : nThreads, HISTOGRAM_PARTS)
  return wanted > 1 && bins.nRows >= THREADED_ROWS ? new KernelThreads(bins.arena, wanted - 1) : null
}

function boostOn(
  bins: BinnedFeatures,
  threads: KernelThreads | null,
  data: TrainingData,
  params: GbdtParams,
  objective: Objective,
  validation?: HeldOut,
): Boosted {
  const n = data.nRows
  const k = objective.outputs
  const base = objective.base(data.y)
  const { arena } = bins
  // margins, labels, gradients and leaves live in the bins' arena, so kernels (and their worker threads) reach them
  const margins = arena.float64(n * k)
  margins.set(initialMargins(base, n))
  const y = arena.float64(n)
  y.set(data.y)
  const valMargins = validation ? initialMargins(base, validation.nRows) : null
  const grad = Array.from({ length: k }, () => arena.float64(n))
  const hess = Array.from({ length: k }, () => arena.float64(n))
  const random = createRandom(params.seed)
  const leafOfRow = arena.int32(n)
  let leafValues = arena.float64(0)
  const everyRow = params.subsample < 1 ? null : allIndices(n)
  // each tree reorders its copy of the rows; one buffer and one workspace serve every tree
  const treeRows = new Int32Array(n)
  const workspace = new GrowWorkspace()
  const trees: Tree[] = []
  const losses: number[] = []
  let best = { round: -1, loss: Number.POSITIVE_INFINITY }
  for (let round = 0; round < params.nTrees; round++) {
    const kernel = k === 1 ? objective.kernel : undefined
    if (kernel) {
      const [g, h] = [grad[0] as Float64Array, hess[0] as Float64Array]
      spread(arena, threads, n, (from, count) => [
        kernel,
        margins.byteOffset + 8 * from,
        y.byteOffset + 8 * from,
        g.byteOffset + 8 * from,
        h.byteOffset + 8 * from,
        count,
      ])
    } else objective.gradients(margins, data.y, grad, hess)
    const rows = everyRow ?? sampleWithoutReplacement(random, n, Math.max(1, Math.round(params.subsample * n)))
    for (let c = 0; c < k; c++) {
      leafOfRow.fill(-1)
      const copy = treeRows.subarray(0, rows.length)
      copy.set(rows)
      const stats = { channels: 1, grad: grad[c] as Float64Array, hess: hess[c] as Float64Array }
      const tree = growRound(bins, params, stats, copy, random, leafOfRow, workspace, threads)
      trees.push(tree)
      if (everyRow) {
        // every row's leaf is known: the margins only need the leaf values added
        if (leafValues.length < tree.value.length) leafValues = arena.float64(2 * tree.value.length)
        leafValues.set(tree.value)
        spread(arena, threads, n, (from, count) => [
          'addLeafValues',
          leafOfRow.byteOffset + 4 * from,
          count,
          leafValues.byteOffset,
          margins.byteOffset + 8 * from * k,
          k,
          c,
        ])
      } else addTree(tree, data.columns, n, margins, k, c, leafOfRow)
      if (valMargins && validation) addTree(tree, validation.columns, validation.nRows, valMargins, k, c)
    }
    if (!valMargins || !validation) continue
    const loss = objective.loss(valMargins, validation.y)
    losses.push(loss)
    if (loss < best.loss) best = { round, loss }
    else if (params.earlyStoppingRounds !== undefined && round - best.round >= params.earlyStoppingRounds) break
  }
  const rounds = params.earlyStoppingRounds !== undefined && best.round >= 0 ? best.round + 1 : trees.length / k
  const kept = trees.slice(0, rounds * k)
  const treeOutput = Int32Array.from(kept, (_, t) => t % k)
  return { ensemble: { trees: kept, width: 1, treeOutput, base, aggregate: 'sum', nFeatures: data.columns.length }, rounds, validationLoss: losses }
}

function initialMargins(base: Float64Array, nRows: number): Float64Array {
  const k = base.length
  const m = new Float64Array(nRows * k)
  for (let i = 0; i < nRows; i++) m.set(base, i * k)
  return m
}

function growRound(
  bins: BinnedFeatures,
  params: GbdtParams,
  stats: { channels: number; grad: Float64Array; hess: Float64Array },
  rows: Int32Array,
  random: Random,
  leafOfRow: Int32Array,
  workspace: GrowWorkspace,
  threads: KernelThreads | null,
): Tree {
  const p = bins.codes.length
  const features = params.colsampleByTree < 1 ? sampleWithoutReplacement(random, p, Math.max(1, Math.round(params.colsampleByTree * p))) : allIndices(p)
  const { lambda, learningRate } = params
  return growTree(bins, stats, rows, rows.length, {
    maxDepth: params.maxDepth,
    maxLeaves: params.maxLeaves,
    // a hessian floor keeps rounding residue in subtracted histograms from passing as a child
    minChildWeight: Math.max(params.minChildWeight, 1e-6),
    lambda,
    gamma: params.gamma,
    features,
    width: 1,
    leafOfRow,
    workspace,
    threads,
    nodeValue: (s, out) => {
      out.push((-(s[0] as number) / ((s[1] as number) + lambda)) * learningRate || 0)
    },
  })
}

/** Adds the tree's leaf values to output `c` of every row's margins; rows with a known leaf (>= 0) skip the walk. */
function addTree(tree: Tree, columns: readonly Float64Array[], nRows: number, margins: Float64Array, k: number, c: number, known?: Int32Array): void {
  const { feature, threshold, missingLeft, left, right, value } = tree
  for (let i = 0; i < nRows; i++) {
    let node = known ? (known[i] as number) : -1
    if (node >= 0) {
      margins[i * k + c] = (margins[i * k + c] as number) + (value[node] as number)
      continue
    }
    node = 0
    let f = feature[0] as number
    while (f >= 0) {
      const x = (columns[f] as Float64Array)[i] as number
      if (Number.isNaN(x)) node = (missingLeft[node] === 1 ? left[node] : right[node]) as number
      // growTree numbers a node's children consecutively, so the comparison picks the child without a branch
      else node = (left[node] as number) + Number(x > (threshold[node] as number))
      f = feature[node] as number
    }
    margins[i * k + c] = (margins[i * k + c] as number) + (value[node] as number)
  }
}
