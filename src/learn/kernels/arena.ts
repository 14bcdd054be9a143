/** @module Memory shared with the WebAssembly tree kernels: typed views the kernels address by byte offset. */
import { KeelError } from '../../core/errors.js'
import { TREE_KERNELS_WASM } from './trees-wasm.js'

const PAGE = 65_536
// Shared memories need a declared maximum; this reserves address space, not memory.
const MAX_PAGES = 65_536

/** The kernels trees.wat exports; every pointer is a byte offset into the arena. */
export interface TreeKernels {
  /** Adds `n` rows (ids at `rows`, statistics at `g`) into the histograms listed at `table` as (codes, histogram) pairs. */
  histogram(table: number, count: number, rows: number, n: number, g: number): void
  /** Copies the statistics of `n` rows (ids at `rows`) into `out` as (gradient, hessian) pairs in row order. */
  gather(rows: number, n: number, grad: number, hess: number, out: number): void
  /** `gather`, then `histogram`, over one share of a node's rows (`scratch` holds `n` pairs). */
  histogramRows(table: number, count: number, rows: number, n: number, grad: number, hess: number, scratch: number): void
  /** For rows whose children stay leaves: `leafOf[row]` = `leftNode` when `lut[codes[row]]` is 1, else `rightNode`. */
  assignLeaves(codes: number, lut: number, rows: number, n: number, leafOf: number, leftNode: number, rightNode: number): void
  /** Walks one compiled tree (16-byte nodes, `depth` steps from `root`) for `m` row-major rows of `p` features at `block`; writes each row's leaf. */
  findLeaves(nodes: number, block: number, p: number, m: number, root: number, depth: number, leaves: number): void
  /** `findLeaves` then `addLeafValues` for each of `nTrees` trees (roots, depths and output targets as i32 arrays). */
  predictTrees(
    nodes: number,
    value: number,
    roots: number,
    depths: number,
    targets: number,
    nTrees: number,
    block: number,
    p: number,
    m: number,
    out: number,
    k: number,
    leaves: number,
  ): void
  /** One row of features at `x` through every tree (single-value leaves), eight trees at a time: `out[targets[t]] += value[leaf]` in tree order. */
  predictRow(nodes: number, value: number, roots: number, depths: number, targets: number, nTrees: number, x: number, out: number): void
  /** `out[j * k + target] += value[leaves[j]]` for `m` rows. */
  addLeafValues(leaves: number, m: number, value: number, out: number, k: number, target: number): void
  /** Binary log-loss gradients and hessians of `n` rows at margins `m` for 0/1 labels `y`. */
  binaryGradients(m: number, y: number, g: number, h: number, n: number): void
  /** Squared-error gradients (m - y) and hessians (1) of `n` rows. */
  squaredGradients(m: number, y: number, g: number, h: number, n: number): void
  /** e^x of `n` values (the polynomial the gradient kernels use). */
  exp(x: number, out: number, n: number): void
  /** Bin codes of `n` values: the smallest b with x <= thresholds[b]; NaN gets `nb` (the missing bin). */
  assignBins(x: number, n: number, thresholds: number, nb: number, out: number): void
  /** Stable partition of `n` row ids at `rows` by `lut[codes[row]]` (1 = left); returns the left count. */
  partition(codes: number, lut: number, rows: number, n: number, spill: number): number
}

/** The part of the WebAssembly JS API the arena uses (Node's types do not declare it; the DOM library does). */
interface WasmMemory {
  readonly buffer: SharedArrayBuffer
  grow(pages: number): number
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { readonly exports: object }
  Memory: new (descriptor: { initial: number; maximum: number; shared: true }) => WasmMemory
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly

let compiled: object | undefined

function treeKernelsModule(): object {
  compiled ??= new wasm.Module(Buffer.from(TREE_KERNELS_WASM, 'base64'))
  return compiled
}

/**
 * A growable block of shared WebAssembly memory with the tree kernels bound to it. Buffers
 * are carved out with a bump allocator and live as long as the arena (one per fit), so
 * views never move: growing a shared memory keeps every earlier view valid.
 */
export class KernelArena {
  /** The compiled kernels (workers instantiate the same module on the same memory). */
  readonly module = treeKernelsModule()
  readonly memory: WasmMemory
  readonly kernels: TreeKernels
  #top = 16

  constructor(initialBytes = PAGE) {
    const pages = Math.max(1, Math.ceil(initialBytes / PAGE))
    this.memory = new wasm.Memory({ initial: pages, maximum: MAX_PAGES, shared: true })
    const instance = new wasm.Instance(this.module, { env: { memory: this.memory } })
    this.kernels = instance.exports as unknown as TreeKernels
  }

  /** Reserves `bytes` (16-byte aligned) and returns their address. */
  allocate(bytes: number): number {
    const at = this.#top
    const end = at + Math.ceil(bytes / 16) * 16
    const size = this.memory.buffer.byteLength
    if (end > size) {
      const mib = Math.ceil(end / 2 ** 20)
      const tooLarge = () =>
        new KeelError('LEARN_INVALID_INPUT', `the data needs ${mib} MiB of tree-kernel memory; WebAssembly addresses at most 4 GiB`, {
          hint: 'Train on a sample of the rows or on fewer features.',
        })
      if (end > MAX_PAGES * PAGE) throw tooLarge()
      try {
        this.memory.grow(Math.ceil((end - size) / PAGE))
      } catch {
        throw tooLarge()
      }
    }
    this.#top = end
    return at
  }

  float64(length: number): Float64Array {
    const at = this.allocate(length * 8)
    return new Float64Array(this.#buffer(), at, length)
  }

  int32(length: number): Int32Array {
    const at = this.allocate(length * 4)
    return new Int32Array(this.#buffer(), at, length)
  }

  uint8(length: number): Uint8Array {
    const at = this.allocate(length)
    return new Uint8Array(this.#buffer(), at, length)
  }

  /** Whether `view` was handed out by this arena, so the kernels can address it by its byte offset. */
  owns(view: ArrayBufferView<ArrayBufferLike>): boolean {
    return this.#buffers.has(view.buffer)
  }

  // memory.buffer is a new object after every grow; all of them share the same bytes
  readonly #buffers = new WeakSet<ArrayBufferLike>()
  #buffer(): ArrayBufferLike {
    const buffer = this.memory.buffer
    this.#buffers.add(buffer)
    return buffer
  }
}
