import { describe, expect, it } from 'vitest'
import { createRandom } from '../../../src/learn/random.js'
import { compileEnsemble, predictCompiled } from '../../../src/learn/trees/compiled.js'
import { type Ensemble, rawPredict, type Tree } from '../../../src/learn/trees/tree.js'

/** A random tree over `nFeatures` whose leaves sit at uneven depths; width values per node. */
function randomTree(random: ReturnType<typeof createRandom>, nFeatures: number, maxDepth: number, width: number): Tree {
  const feature: number[] = []
  const threshold: number[] = []
  const missingLeft: number[] = []
  const left: number[] = []
  const right: number[] = []
  const value: number[] = []
  const add = (depth: number): number => {
    const id = feature.length
    feature.push(-1)
    threshold.push(0)
    missingLeft.push(0)
    left.push(-1)
    right.push(-1)
    for (let q = 0; q < width; q++) value.push(random.next() * 2 - 1)
    if (depth < maxDepth && random.next() < 0.75) {
      feature[id] = random.int(nFeatures)
      threshold[id] = random.next()
      missingLeft[id] = random.int(2)
      left[id] = add(depth + 1)
      right[id] = add(depth + 1)
    }
    return id
  }
  add(0)
  const n = feature.length
  return {
    feature: Int32Array.from(feature),
    threshold: Float64Array.from(threshold),
    missingLeft: Uint8Array.from(missingLeft),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    value: Float64Array.from(value),
    cover: new Float64Array(n).fill(1),
    gain: new Float64Array(n),
  }
}

describe('compiled prediction', () => {
  it('equals rawPredict bit for bit: uneven and single-leaf trees, missing values both ways, several outputs, partial blocks', () => {
    const random = createRandom(21)
    const nFeatures = 5
    // 1283 rows: two full blocks of 512 and a tail that is not a multiple of four
    const nRows = 1283
    const columns = Array.from({ length: nFeatures }, () => Float64Array.from({ length: nRows }, () => (random.next() < 0.15 ? Number.NaN : random.next())))
    const leaf = randomTree(random, nFeatures, 0, 1)
    const boosted: Ensemble = {
      trees: [leaf, ...Array.from({ length: 12 }, () => randomTree(random, nFeatures, 7, 1))],
      width: 1,
      treeOutput: Int32Array.from({ length: 13 }, (_, t) => t % 3),
      base: Float64Array.of(0.5, -1, 2),
      aggregate: 'sum',
      nFeatures,
    }
    const forest: Ensemble = {
      trees: Array.from({ length: 7 }, () => randomTree(random, nFeatures, 6, 2)),
      width: 2,
      treeOutput: new Int32Array(7).fill(-1),
      base: new Float64Array(2),
      aggregate: 'mean',
      nFeatures,
    }
    for (const e of [boosted, forest]) {
      for (const n of [nRows, 3, 1]) {
        const expected = rawPredict(e, columns, n)
        const got = predictCompiled(compileEnsemble(e), columns, n)
        expect(new Uint8Array(got.buffer)).toEqual(new Uint8Array(expected.buffer))
      }
    }
  })
})
