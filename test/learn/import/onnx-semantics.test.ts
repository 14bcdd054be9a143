import ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { Frame } from '../../../src/core/frame.js'
import { importOnnx } from '../../../src/learn/import/onnx.js'
import { ATTRIBUTE, DATA_TYPE, modelProto } from '../../../src/learn/onnx/proto.js'
import { createRandom } from '../../../src/learn/random.js'

// Small graphs written here, each run by ONNX Runtime and by the imported Keel model on the same rows.

type Attr = Record<string, unknown>
const a = {
  ints: (name: string, ints: number[]): Attr => ({ name, type: ATTRIBUTE.INTS, ints }),
  floats: (name: string, floats: number[]): Attr => ({ name, type: ATTRIBUTE.FLOATS, floats }),
  doubles: (name: string, values: number[]): Attr => ({
    name,
    type: ATTRIBUTE.TENSOR,
    t: { data_type: DATA_TYPE.DOUBLE, dims: [values.length], double_data: values },
  }),
  strings: (name: string, values: string[]): Attr => ({ name, type: ATTRIBUTE.STRINGS, strings: values.map((v) => Buffer.from(v)) }),
  string: (name: string, value: string): Attr => ({ name, type: ATTRIBUTE.STRING, s: Buffer.from(value) }),
  int: (name: string, i: number): Attr => ({ name, type: ATTRIBUTE.INT, i }),
}

interface Node {
  readonly op: string
  readonly inputs: string[]
  readonly outputs: string[]
  readonly attributes?: Attr[]
  readonly domain?: string
}

function bytesOf(nodes: Node[], inputType: number, p: number, outputs: string[]): Uint8Array {
  const proto = modelProto()
  const message = proto.create({
    ir_version: 8,
    opset_import: [
      { domain: '', version: 17 },
      { domain: 'ai.onnx.ml', version: 3 },
    ],
    graph: {
      name: 'test',
      node: nodes.map((n) => ({ op_type: n.op, input: n.inputs, output: n.outputs, attribute: n.attributes ?? [], domain: n.domain ?? 'ai.onnx.ml' })),
      input: [{ name: 'x', type: { tensor_type: { elem_type: inputType, shape: { dim: [{ dim_param: 'N' }, { dim_value: p }] } } } }],
      output: outputs.map((name) => ({ name, type: { tensor_type: { elem_type: DATA_TYPE.FLOAT } } })),
    },
  })
  return proto.encode(message).finish()
}

async function run(bytes: Uint8Array, rows: number[][], type: 'float32' | 'float64', output: string): Promise<number[]> {
  const session = await ort.InferenceSession.create(bytes)
  const data = type === 'float32' ? Float32Array.from(rows.flat()) : Float64Array.from(rows.flat())
  const result = await session.run({ x: new ort.Tensor(type, data, [rows.length, rows[0]?.length ?? 0]) })
  await session.release()
  return Array.from((result[output] as { data: Float32Array }).data)
}

const frameOf = (rows: number[][]) =>
  new Frame(Object.fromEntries((rows[0] ?? []).map((_, j) => [`f${j}`, { kind: 'number' as const, values: Float64Array.from(rows, (r) => r[j] as number) }])))

const float32Next = (f: number, up: boolean) => {
  const view = new DataView(new ArrayBuffer(4))
  view.setFloat32(0, f)
  view.setUint32(0, view.getUint32(0) + (f > 0 === up ? 1 : -1))
  return view.getFloat32(0)
}
const doubleNext = (x: number, up: boolean) => {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, x)
  view.setBigUint64(0, view.getBigUint64(0) + (x > 0 === up ? 1n : -1n))
  return view.getFloat64(0)
}

/** Doubles on and around `t` and its float32 neighbours, including the midpoints where float32 rounding ties. */
function around(t: number): number[] {
  const f = Math.fround(t)
  const up = float32Next(f, true)
  const down = float32Next(f, false)
  const points = [t, f, up, down, (f + up) / 2, (f + down) / 2]
  return [...points, ...points.map((x) => doubleNext(x, true)), ...points.map((x) => doubleNext(x, false)), Number.NaN]
}

/** One stump per feature; tree j adds 2^j when its test is true and 2^(j+4) when false, so the sum records every branch. */
function stumps(modes: string[], thresholds: number[], tracks: number[], asTensor: boolean): Node {
  const p = modes.length
  const per = <T>(f: (j: number) => T[]): T[] => Array.from({ length: p }, (_, j) => f(j)).flat()
  const values = per((j) => [thresholds[j] as number, 0, 0])
  const nodesTreeids = per((j) => [j, j, j])
  const nodesNodeids = per(() => [0, 1, 2])
  const nodesFeatureids = per((j) => [j, 0, 0])
  const nodesModes = per((j) => [modes[j] as string, 'LEAF', 'LEAF'])
  const nodesTruenodeids = per(() => [1, 0, 0])
  const nodesFalsenodeids = per(() => [2, 0, 0])
  const nodesMissingValueTracksTrue = per((j) => [tracks[j] as number, 0, 0])
  const targetTreeids = per((j) => [j, j])
  const targetNodeids = per(() => [1, 2])
  const targetIds = per(() => [0, 0])
  const targetWeights = per((j) => [2 ** j, 2 ** (j + 4)])
  return {
    op: 'TreeEnsembleRegressor',
    inputs: ['x'],
    outputs: ['y'],
    attributes: [
      a.ints('nodes_treeids', nodesTreeids),
      a.ints('nodes_nodeids', nodesNodeids),
      a.ints('nodes_featureids', nodesFeatureids),
      asTensor ? a.doubles('nodes_values_as_tensor', values) : a.floats('nodes_values', values),
      a.strings('nodes_modes', nodesModes),
      a.ints('nodes_truenodeids', nodesTruenodeids),
      a.ints('nodes_falsenodeids', nodesFalsenodeids),
      a.ints('nodes_missing_value_tracks_true', nodesMissingValueTracksTrue),
      a.ints('target_treeids', targetTreeids),
      a.ints('target_nodeids', targetNodeids),
      a.ints('target_ids', targetIds),
      a.floats('target_weights', targetWeights),
      a.int('n_targets', 1),
    ],
  }
}

describe('importOnnx reproduces ONNX Runtime split by split', () => {
  const r = createRandom(3)
  const MODES = ['BRANCH_LEQ', 'BRANCH_LT', 'BRANCH_GTE', 'BRANCH_GT']
  // (double thresholds, the *_as_tensor attributes, go with double inputs only)
  const cases = [
    { input: 'float', thresholds: 'float' },
    { input: 'double', thresholds: 'float' },
    { input: 'double', thresholds: 'double' },
  ] as const
  for (const { input, thresholds } of cases) {
    it(`every mode, missing values either way: ${input} input, ${thresholds} thresholds; exact at and around each threshold`, async () => {
      for (const tracks of [
        [0, 0, 0, 0],
        [1, 1, 1, 1],
      ]) {
        const t = Array.from({ length: 4 }, () => (r.next() - 0.5) * 10 ** Math.floor(r.next() * 6 - 3))
        const bytes = bytesOf([stumps(MODES, t, tracks, thresholds === 'double')], input === 'float' ? DATA_TYPE.FLOAT : DATA_TYPE.DOUBLE, 4, ['y'])
        // the threshold the runtime holds: a float attribute rounds it
        const held = thresholds === 'float' ? t.map(Math.fround) : t
        const columns = held.map(around)
        const rows = (columns[0] as number[]).map((_, i) => columns.map((c) => c[i] as number))
        const onnx = await run(bytes, rows, input === 'float' ? 'float32' : 'float64', 'y')
        const keel = Array.from(importOnnx(bytes, { label: 'y' }).predict(frameOf(rows)).values)
        expect(keel).toEqual(onnx)
      }
    })
  }

  it('a Cast to float before the trees rounds double inputs as the runtime does', async () => {
    const t = [0.1, -0.3, 1 / 3, 7.7]
    const cast: Node = { op: 'Cast', inputs: ['x'], outputs: ['xf'], attributes: [a.int('to', DATA_TYPE.FLOAT)], domain: '' }
    const trees = { ...stumps(MODES, t, [0, 1, 0, 1], false), inputs: ['xf'] }
    const bytes = bytesOf([cast, trees], DATA_TYPE.DOUBLE, 4, ['y'])
    const columns = t.map(around)
    const rows = (columns[0] as number[]).map((_, i) => columns.map((c) => c[i] as number))
    expect(Array.from(importOnnx(bytes, { label: 'y' }).predict(frameOf(rows)).values)).toEqual(await run(bytes, rows, 'float64', 'y'))
  })
})

/** A two-leaf classifier tree per feature with the given class ids and weights. */
function classifier(weights: [number, number][], ids: number[], extra: Attr[]): Node {
  const p = weights.length
  const per = <T>(f: (j: number) => T[]): T[] => Array.from({ length: p }, (_, j) => f(j)).flat()
  const nodesTreeids = per((j) => [j, j, j])
  const nodesNodeids = per(() => [0, 1, 2])
  const nodesFeatureids = per((j) => [j, 0, 0])
  const nodesValues = per(() => [0.5, 0, 0])
  const nodesModes = per(() => ['BRANCH_LEQ', 'LEAF', 'LEAF'])
  const nodesTruenodeids = per(() => [1, 0, 0])
  const nodesFalsenodeids = per(() => [2, 0, 0])
  const classTreeids = per((j) => ids.flatMap(() => [j, j]))
  const classNodeids = per(() => ids.flatMap(() => [1, 2]))
  const classIds = per(() => ids.flatMap((c) => [c, c]))
  const classWeights = per((j) => ids.flatMap(() => weights[j] as number[]))
  return {
    op: 'TreeEnsembleClassifier',
    inputs: ['x'],
    outputs: ['label', 'probabilities'],
    attributes: [
      a.ints('nodes_treeids', nodesTreeids),
      a.ints('nodes_nodeids', nodesNodeids),
      a.ints('nodes_featureids', nodesFeatureids),
      a.floats('nodes_values', nodesValues),
      a.strings('nodes_modes', nodesModes),
      a.ints('nodes_truenodeids', nodesTruenodeids),
      a.ints('nodes_falsenodeids', nodesFalsenodeids),
      a.ints('class_treeids', classTreeids),
      a.ints('class_nodeids', classNodeids),
      a.ints('class_ids', classIds),
      a.floats('class_weights', classWeights),
      a.ints('classlabels_int64s', [0, 1]),
      ...extra,
    ],
  }
}

describe("importOnnx follows ONNX Runtime's binary special cases, or refuses them", () => {
  const rows = Array.from({ length: 64 }, (_, i) => [0, 1, 2].map((j) => ((i >> j) & 1) * 0.8 + 0.1))
  const check = async (node: Node) => {
    const bytes = bytesOf([node], DATA_TYPE.FLOAT, 3, ['probabilities'])
    const keel = importOnnx(bytes, { label: 'y' }).predict(frameOf(rows)).values
    const onnx = await run(bytes, rows, 'float32', 'probabilities')
    expect(onnx).toHaveLength(keel.length)
    onnx.forEach((v, i) => {
      expect(v).toBeCloseTo(keel[i] as number, 6)
    })
  }

  it('class-0 weights of both signs with LOGISTIC: [σ(−s), σ(s)] with the base', async () => {
    await check(
      classifier(
        [
          [0.4, -1.1],
          [-0.3, 0.9],
          [1.5, -0.2],
        ],
        [0],
        [a.string('post_transform', 'LOGISTIC'), a.floats('base_values', [0.25])],
      ),
    )
  })

  it('non-negative class-0 weights with NONE: [1 − s, s]', async () => {
    await check(
      classifier(
        [
          [0.1, 0.2],
          [0.05, 0.3],
          [0.15, 0],
        ],
        [0],
        [a.string('post_transform', 'NONE')],
      ),
    )
  })

  it('weights for both classes with SOFTMAX or NONE', async () => {
    await check(
      classifier(
        [
          [0.4, -1.1],
          [-0.3, 0.9],
          [1.5, -0.2],
        ],
        [0, 1],
        [a.string('post_transform', 'SOFTMAX')],
      ),
    )
    await check(
      classifier(
        [
          [0.1, 0.2],
          [0.05, 0.3],
          [0.15, 0],
        ],
        [0, 1],
        [a.string('post_transform', 'NONE')],
      ),
    )
  })

  it('refuses two classes where some rows reach no weight for one of them (ONNX Runtime then outputs [−s, s])', async () => {
    const full = classifier(
      [
        [0.4, 0.6],
        [0.3, 0.7],
        [0.2, 0.8],
      ],
      [0, 1],
      [a.string('post_transform', 'NONE')],
    )
    const list = (name: string) => ((full.attributes ?? []).find((x) => x.name === name) as { ints?: number[]; floats?: number[] }) ?? {}
    // class 1 keeps its weights on the true leaves (node 1) only
    const keep = (list('class_nodeids').ints ?? []).map((node, i) => !(node === 2 && list('class_ids').ints?.[i] === 1))
    const pick = (name: string) => {
      const { ints, floats } = list(name)
      return ints
        ? a.ints(
            name,
            ints.filter((_, i) => keep[i]),
          )
        : a.floats(
            name,
            (floats ?? []).filter((_, i) => keep[i]),
          )
    }
    const partial = { ...full, attributes: (full.attributes ?? []).map((x) => (String(x.name).startsWith('class_') ? pick(String(x.name)) : x)) }
    const bytes = bytesOf([partial], DATA_TYPE.FLOAT, 3, ['probabilities'])
    const [p0, p1] = await run(bytes, [[0.9, 0.9, 0.9]], 'float32', 'probabilities')
    expect((p0 as number) + (p1 as number)).not.toBeCloseTo(1)
    expect(() => importOnnx(bytes, { label: 'y' })).toThrow(/some rows reach no weight for class 1/)
  })

  it('refuses the shapes whose runtime output is not a probability Keel can compute', () => {
    const refuse = (node: Node, why: RegExp) =>
      expect(() => importOnnx(bytesOf([node], DATA_TYPE.FLOAT, 3, ['probabilities']), { label: 'y' })).toThrow(
        expect.objectContaining({ code: 'MODEL_FORMAT_UNSUPPORTED', message: expect.stringMatching(why) }),
      )
    refuse(
      classifier(
        [
          [0.1, 0.2],
          [0.05, 0.3],
          [0.15, 0],
        ],
        [0],
        [a.string('post_transform', 'LOGISTIC')],
      ),
      /non-negative weights and post_transform LOGISTIC/,
    )
    refuse(
      classifier(
        [
          [0.4, -1.1],
          [-0.3, 0.9],
          [1.5, -0.2],
        ],
        [1],
        [a.string('post_transform', 'LOGISTIC')],
      ),
      /weights for class 1 only/,
    )
    refuse(
      classifier(
        [
          [0.4, -1.1],
          [-0.3, 0.9],
          [1.5, -0.2],
        ],
        [0, 1],
        [a.string('post_transform', 'SOFTMAX'), a.floats('base_values', [0.1, 0.2])],
      ),
      /2 base_values/,
    )
    const eq = classifier(
      [
        [0.4, -1.1],
        [-0.3, 0.9],
        [1.5, -0.2],
      ],
      [0, 1],
      [],
    )
    refuse(
      {
        ...eq,
        attributes: (eq.attributes ?? []).map((x) =>
          x.name === 'nodes_modes' ? a.strings('nodes_modes', Array(3).fill(['BRANCH_EQ', 'LEAF', 'LEAF']).flat()) : x,
        ),
      },
      /split mode BRANCH_EQ is not supported/,
    )
  })
})

describe('importOnnx on linear ops and unsupported graphs', () => {
  const rows = Array.from({ length: 50 }, (_, i) => [Math.sin(i), Math.cos(3 * i), (i % 7) - 3])
  const linear = (attributes: Attr[]): Node => ({ op: 'LinearClassifier', inputs: ['x'], outputs: ['label', 'probabilities'], attributes })

  it('a binary LinearClassifier with one row and LOGISTIC gives [σ(−s), σ(s)]', async () => {
    const node = linear([
      a.floats('coefficients', [0.5, -1.25, 0.75]),
      a.floats('intercepts', [0.3]),
      a.ints('classlabels_ints', [0, 1]),
      a.string('post_transform', 'LOGISTIC'),
    ])
    const bytes = bytesOf([node], DATA_TYPE.FLOAT, 3, ['probabilities'])
    const keel = importOnnx(bytes, { label: 'y' }).predict(frameOf(rows)).values
    const onnx = await run(bytes, rows, 'float32', 'probabilities')
    onnx.forEach((v, i) => {
      expect(v).toBeCloseTo(keel[i] as number, 6)
    })
  })

  it('refuses one-vs-rest probabilities, unknown ops (naming them) and graphs it cannot read', () => {
    const ovr = linear([
      a.floats('coefficients', [1, 2, 3, 4, 5, 6, 7, 8, 9]),
      a.floats('intercepts', [0, 0, 0]),
      a.ints('classlabels_ints', [0, 1, 2]),
      a.string('post_transform', 'LOGISTIC'),
    ])
    expect(() => importOnnx(bytesOf([ovr], DATA_TYPE.FLOAT, 3, ['probabilities']), { label: 'y' })).toThrow(
      /3 coefficient row\(s\) for 3 classes with post_transform LOGISTIC/,
    )
    const svm: Node = { op: 'SVMClassifier', inputs: ['x'], outputs: ['label', 'probabilities'] }
    expect(() => importOnnx(bytesOf([svm], DATA_TYPE.FLOAT, 3, ['probabilities']), { label: 'y' })).toThrow(
      expect.objectContaining({
        code: 'MODEL_FORMAT_UNSUPPORTED',
        message: expect.stringContaining('the ONNX op SVMClassifier (ai.onnx.ml) is not supported'),
      }),
    )
    const scaled: Node[] = [
      { op: 'Mul', inputs: ['x', 'x'], outputs: ['x2'], domain: '' },
      { ...linear([]), inputs: ['x2'] },
    ]
    expect(() => importOnnx(bytesOf(scaled, DATA_TYPE.FLOAT, 3, ['probabilities']), { label: 'y' })).toThrow(/the ONNX op Mul is not supported/)
    expect(() => importOnnx(Uint8Array.from([1, 2, 3, 4]), { label: 'y' })).toThrow(expect.objectContaining({ code: 'MODEL_FORMAT_UNSUPPORTED' }))
  })
})
