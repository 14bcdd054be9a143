/**
 * @module Pipeline steps: named units of work with declared inputs, a code version and a
 * config, whose outputs are cached by the hash of all three.
 */

/** The outputs of a step's inputs, by step name. */
export interface StepInputs {
  /** The output of the input step `name` (which must be in the step's `needs`). */
  get<T>(name: string): T
}

/** What a running step may use besides its inputs. */
export interface StepContext {
  /** Aborted when the pipeline stops early; long steps should check it between pieces of work. */
  readonly signal: AbortSignal
}

/**
 * One step of a pipeline. A cached step (`cache: true`) runs only when no output is stored for
 * the hash of its name, `version`, `config` and the identities of its inputs' outputs; an
 * uncached step always runs (it reads the outside world: a data source, the registry).
 */
export interface PipelineStep<O = unknown, C extends StepContext = StepContext> {
  readonly name: string
  /** Names of the steps whose outputs this one reads. */
  readonly needs: readonly string[]
  /** The step's code version: change it when what the step computes changes, so old outputs are not reused. */
  readonly version: string
  /** Everything besides the inputs that decides the output, as JSON (parameters, options, seeds). */
  readonly config?: unknown
  readonly cache: boolean
  run(inputs: StepInputs, context: C): Promise<O>
  /** Bytes of the output, for the cache; also what its identity is hashed from. */
  encode(output: O): Uint8Array
  decode(bytes: Uint8Array): O
  /**
   * What downstream keys see of this output; default the hash of its encoding. A snapshot step
   * says its content hash, so a re-read of unchanged data leaves everything downstream cached.
   */
  identity?(output: O): string
}

/**
 * Declares a step; identity at run time, it exists so `O` is inferred from `run`.
 *
 * @example
 * ```ts
 * const split = defineStep({
 *   name: 'split', needs: ['snapshot'], version: '1', config: { testSize: 0.2 }, cache: true,
 *   run: async (inputs) => holdout(inputs.get<SnapshotOutput>('snapshot').rows, { testSize: 0.2 }),
 *   encode: (s) => encodeJson(s), decode: (b) => decodeJson(b),
 * })
 * ```
 */
export function defineStep<O, C extends StepContext = StepContext>(step: PipelineStep<O, C>): PipelineStep<O, C> {
  return step
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** JSON as bytes, for steps whose output is plain data. */
export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value))
}

export function decodeJson<T>(bytes: Uint8Array): T {
  return JSON.parse(decoder.decode(bytes)) as T
}

/**
 * Plain data with binary parts (model bytes, say) in one buffer: a length-prefixed JSON header
 * followed by the parts, so binary data is not inflated by base64.
 */
export function encodeParts(header: unknown, parts: readonly Uint8Array[]): Uint8Array {
  const head = encoder.encode(JSON.stringify({ header, sizes: parts.map((p) => p.byteLength) }))
  const out = new Uint8Array(4 + head.byteLength + parts.reduce((n, p) => n + p.byteLength, 0))
  new DataView(out.buffer).setUint32(0, head.byteLength)
  out.set(head, 4)
  let at = 4 + head.byteLength
  for (const p of parts) {
    out.set(p, at)
    at += p.byteLength
  }
  return out
}

export function decodeParts<H>(bytes: Uint8Array): { header: H; parts: Uint8Array[] } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const headLength = view.getUint32(0)
  const { header, sizes } = JSON.parse(decoder.decode(bytes.subarray(4, 4 + headLength))) as { header: H; sizes: number[] }
  const parts: Uint8Array[] = []
  let at = 4 + headLength
  for (const size of sizes) {
    parts.push(bytes.slice(at, at + size))
    at += size
  }
  return { header, parts }
}
