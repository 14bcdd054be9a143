import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { renderTreeKernels } from '../../../scripts/build-kernels.js'
import { isKeelError } from '../../../src/core/errors.js'
import { KernelArena } from '../../../src/learn/kernels/arena.js'
import { KernelThreads } from '../../../src/learn/kernels/threads.js'
import { createRandom } from '../../../src/learn/random.js'
import { binFeatures } from '../../../src/learn/trees/binning.js'
import { GrowWorkspace, growTree } from '../../../src/learn/trees/grow.js'
import { HISTOGRAM_PARTS, HistogramBuilder } from '../../../src/learn/trees/histogram.js'
import { allIndices } from '../../../src/learn/trees/sampling.js'

function randomBins(n: number, p: number, seed: number) {
  const r = createRandom(seed)
  const columns = Array.from({ length: p }, () => Float64Array.from({ length: n }, () => (r.next() < 0.05 ? Number.NaN : r.next())))
  const bins = binFeatures(columns, n)
  const grad = bins.arena.float64(n)
  const hess = bins.arena.float64(n)
  for (let i = 0; i < n; i++) {
    grad[i] = r.next() - 0.5
    hess[i] = 0.1 + r.next()
  }
  return { bins, grad, hess, r }
}

/** A sorted subset of the rows, the shape a node's rows have. */
function someRows(target: Int32Array, n: number, keep: number, r: ReturnType<typeof createRandom>): number {
  let m = 0
  for (let i = 0; i < n; i++) if (r.next() < keep) target[m++] = i
  return m
}

describe('tree kernels (WebAssembly)', () => {
  it('are compiled from trees.wat as committed (run `npm run build:kernels` after editing it)', async () => {
    expect(readFileSync(new URL('../../../src/learn/kernels/trees-wasm.ts', import.meta.url), 'utf8')).toBe(await renderTreeKernels())
  })

  it('build the same histogram as the JavaScript loop, for any feature count', () => {
    const n = 3000
    const { bins, grad, hess, r } = randomBins(n, 7, 1)
    const builder = new HistogramBuilder(bins)
    const rows = bins.arena.int32(n)
    const m = someRows(rows, n, 0.6, r)
    for (const features of [[0], [2, 5], [0, 1, 2, 3, 4, 5, 6], [6, 3, 1, 0, 2]]) {
      const f = Int32Array.from(features)
      const kernel = builder.allocate(1)
      kernel.fill(7)
      builder.build(kernel, { channels: 1, grad, hess }, rows, 0, m, f)
      // plain arrays take the JavaScript path
      const js = new Float64Array(kernel.length).fill(7)
      builder.build(js, { channels: 1, grad: Float64Array.from(grad), hess: Float64Array.from(hess) }, Int32Array.from(rows), 0, m, f)
      expect(Array.from(kernel)).toEqual(Array.from(js))
    }
  })

  it('sum large nodes in fixed shares: the same bits with 0 to 3 helper threads, close to one pass', () => {
    const n = 40_000
    const { bins, grad, hess } = randomBins(n, 5, 2)
    const builder = new HistogramBuilder(bins)
    const rows = bins.arena.int32(n)
    rows.set(allIndices(n))
    const features = allIndices(5)
    const stats = { channels: 1, grad, hess }
    const results: number[][] = []
    for (let helpers = 0; helpers < HISTOGRAM_PARTS; helpers++) {
      const threads = helpers === 0 ? null : new KernelThreads(bins.arena, helpers)
      try {
        const hist = builder.allocate(1)
        builder.build(hist, stats, rows, 0, n, features, threads)
        results.push(Array.from(hist))
      } finally {
        threads?.release()
      }
    }
    for (const result of results.slice(1)) expect(result).toEqual(results[0])
    const onePass = new Float64Array((results[0] as number[]).length)
    builder.build(onePass, { channels: 1, grad: Float64Array.from(grad), hess: Float64Array.from(hess) }, allIndices(n), 0, n, features)
    onePass.forEach((v, i) => {
      expect((results[0] as number[])[i]).toBeCloseTo(v, 9)
    })
  })

  it('partition rows stably and record leaves as the JavaScript reference does', () => {
    const n = 5000
    const { bins, r } = randomBins(n, 3, 3)
    const { kernels } = bins.arena
    const rows = bins.arena.int32(n)
    const spill = bins.arena.int32(n)
    const lut = bins.arena.uint8(256)
    const leafOf = bins.arena.int32(n)
    for (let trial = 0; trial < 20; trial++) {
      const m = someRows(rows, n, r.next(), r)
      const codes = bins.codes[trial % 3] as Uint8Array
      for (let b = 0; b < 256; b++) lut[b] = r.next() < 0.5 ? 1 : 0
      const before = Array.from(rows.subarray(0, m))
      const goesLeft = (row: number) => lut[codes[row] as number] === 1
      const left = kernels.partition(codes.byteOffset, lut.byteOffset, rows.byteOffset, m, spill.byteOffset)
      expect(Array.from(rows.subarray(0, m))).toEqual([...before.filter(goesLeft), ...before.filter((row) => !goesLeft(row))])
      expect(left).toBe(before.filter(goesLeft).length)
      leafOf.fill(-1)
      kernels.assignLeaves(codes.byteOffset, lut.byteOffset, rows.byteOffset, m, leafOf.byteOffset, 11, 12)
      for (const row of before) expect(leafOf[row]).toBe(goesLeft(row) ? 11 : 12)
    }
  })

  it('grow the same tree whether or not the caller hands rows and statistics over in the arena', () => {
    const n = 20_000
    const { bins, grad, hess } = randomBins(n, 6, 4)
    const options = {
      maxDepth: 6,
      maxLeaves: 0,
      minChildWeight: 1,
      lambda: 1,
      gamma: 0,
      features: allIndices(6),
      width: 1,
      nodeValue: (s: Float64Array, out: number[]) => {
        out.push(-(s[0] as number) / ((s[1] as number) + 1))
      },
    }
    const inArena = growTree(bins, { channels: 1, grad, hess }, allIndices(n), n, { ...options, workspace: new GrowWorkspace() })
    const plain = growTree(bins, { channels: 1, grad: Float64Array.from(grad), hess: Float64Array.from(hess) }, allIndices(n), n, options)
    expect(plain.feature).toEqual(inArena.feature)
    expect(plain.threshold).toEqual(inArena.threshold)
    for (let i = 0; i < plain.value.length; i++) expect(plain.value[i]).toBeCloseTo(inArena.value[i] as number, 10)
  })
})

describe('KernelArena', () => {
  it('keeps earlier views valid when it grows, and knows its own views', () => {
    const arena = new KernelArena(1024)
    const first = arena.float64(10)
    first.fill(3)
    const big = arena.uint8(5_000_000)
    big[4_999_999] = 9
    expect(Array.from(first)).toEqual(new Array(10).fill(3))
    expect(arena.owns(first) && arena.owns(big)).toBe(true)
    expect(arena.owns(new Float64Array(10))).toBe(false)
    expect(new KernelArena().owns(first)).toBe(false)
  })

  it('refuses more than WebAssembly can address with a clear error', () => {
    const arena = new KernelArena()
    try {
      arena.uint8(5 * 2 ** 30)
      expect.unreachable()
    } catch (error) {
      expect(isKeelError(error) && error.code).toBe('LEARN_INVALID_INPUT')
      expect((error as Error).message).toMatch(/4 GiB/)
    }
  })
})

describe('KernelThreads', () => {
  it('runs several calls per job on a worker and reports a kernel that traps', () => {
    const n = 1000
    const { bins, r } = randomBins(n, 2, 5)
    const rows = bins.arena.int32(n)
    const leafA = bins.arena.int32(n)
    const leafB = bins.arena.int32(n)
    const lut = bins.arena.uint8(256)
    for (let b = 0; b < 256; b++) lut[b] = b % 2
    const m = someRows(rows, n, 0.5, r)
    const codes = bins.codes[0] as Uint8Array
    const threads = new KernelThreads(bins.arena, 1)
    try {
      threads.post(0, [
        ['assignLeaves', codes.byteOffset, lut.byteOffset, rows.byteOffset, m, leafA.byteOffset, 1, 2],
        ['assignLeaves', codes.byteOffset, lut.byteOffset, rows.byteOffset, m, leafB.byteOffset, 3, 4],
      ])
      threads.wait(0)
      for (let i = 0; i < m; i++) {
        const row = rows[i] as number
        const left = ((codes[row] as number) & 1) === 1
        expect([leafA[row], leafB[row]]).toEqual(left ? [1, 3] : [2, 4])
      }
      // an address past the end of memory traps inside the worker
      threads.post(0, [['assignLeaves', codes.byteOffset, lut.byteOffset, rows.byteOffset, m, 2 ** 31, 1, 2]])
      expect(() => threads.wait(0)).toThrow(/failed in worker 0/)
    } finally {
      threads.release()
    }
  })
})
