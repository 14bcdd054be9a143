/**
 * @module LinearRegressor and LinearClassifier as Keel linear models: the coefficients over the
 * raw input columns (no imputation or scaling, so a missing value gives NaN as in ONNX), and the
 * link ONNX Runtime applies.
 */
import type { LinearCoefficients, LinearModel } from '../learners/linear-model.js'
import { linearModel } from '../learners/linear-model.js'
import type { FeatureSpec, Task } from '../model.js'
import { Preprocessor } from '../preprocess/preprocessor.js'
import type { Step } from '../preprocess/steps.js'
import { type OnnxNode, unsupported } from './onnx-graph.js'
import { classLabels } from './onnx-trees.js'

export interface LinearImport {
  readonly node: OnnxNode
  readonly features: readonly FeatureSpec[]
  readonly label: string
  readonly classes?: readonly string[] | undefined
}

/** Columns as they come: NaN stays NaN (ONNX's linear ops do not impute), no scaling. */
function passThrough(features: readonly FeatureSpec[]): Preprocessor {
  const steps: Step[] = features.map((f) => ({ type: 'number', feature: f.name, transform: { fill: Number.NaN, scaling: { center: 0, scale: 1 } } }))
  return new Preprocessor(steps)
}

/** Coefficient rows (one per output) over `p` features. */
function rows(node: OnnxNode, outputs: number, p: number): number[][] {
  const coefficients = node.numbers('coefficients').values
  if (outputs < 1 || coefficients.length !== outputs * p) {
    throw unsupported(`${node.title}: ${coefficients.length} coefficients do not make ${outputs} row(s) over ${p} features`)
  }
  return Array.from({ length: outputs }, (_, o) => coefficients.slice(o * p, (o + 1) * p))
}

const coefficientsOf = (features: readonly FeatureSpec[], weights: number[][], intercepts: number[]): LinearCoefficients => ({
  names: features.map((f) => f.name),
  weights: Float64Array.from(weights.flat()),
  intercepts: Float64Array.from(intercepts),
})

function regressor(spec: LinearImport): { task: Task; classes: string[]; coefficients: LinearCoefficients } {
  const { node, features } = spec
  const targets = node.int('targets', 1)
  if (targets !== 1) throw unsupported(`${node.title}: ${targets} targets; Keel regression predicts one value`)
  const transform = node.string('post_transform', 'NONE')
  if (transform !== 'NONE') throw unsupported(`${node.title}: post_transform ${transform} on a regressor is not supported`)
  const intercepts = node.numbers('intercepts').values
  return { task: 'regression', classes: [], coefficients: coefficientsOf(features, rows(node, 1, features.length), [intercepts[0] ?? 0]) }
}

/**
 * ONNX Runtime scores one row per intercept. Two classes with one row and LOGISTIC give
 * [σ(−s), σ(s)]; two opposite rows with LOGISTIC give the same; SOFTMAX over two or more rows
 * gives the multinomial probabilities. Per-class LOGISTIC (one-vs-rest) and NONE do not give
 * probabilities Keel can express.
 */
function classifier(spec: LinearImport): { task: Task; classes: string[]; coefficients: LinearCoefficients } {
  const { node, features } = spec
  const classes = classLabels(node, spec.classes)
  const intercepts = node.numbers('intercepts').values
  const k = intercepts.length
  const w = rows(node, k, features.length)
  const transform = node.string('post_transform', 'NONE')
  const task: Task = classes.length === 2 ? 'binary' : 'multiclass'
  if (transform === 'SOFTMAX' && k === classes.length) return { task, classes, coefficients: coefficientsOf(features, w, intercepts) }
  if (transform === 'LOGISTIC' && classes.length === 2) {
    if (k === 1) return { task, classes, coefficients: coefficientsOf(features, w, intercepts) }
    const [r0, r1] = w as [number[], number[]]
    const opposite = k === 2 && r0.every((v, j) => v === -(r1[j] as number)) && intercepts[0] === -(intercepts[1] as number)
    if (opposite) return { task, classes, coefficients: coefficientsOf(features, [r1], [intercepts[1] as number]) }
  }
  throw unsupported(
    `${node.title}: ${k} coefficient row(s) for ${classes.length} classes with post_transform ${transform} do not give probabilities Keel can serve`,
    'Export multinomial models with SOFTMAX and binary ones with LOGISTIC (one row, or two opposite rows).',
  )
}

/** A Keel linear or logistic model computing what the ONNX linear node computes. */
export function importLinear(spec: LinearImport): LinearModel {
  const isClassifier = spec.node.op === 'LinearClassifier'
  const { task, classes, coefficients } = isClassifier ? classifier(spec) : regressor(spec)
  return linearModel({
    kind: isClassifier ? 'logistic' : 'linear',
    task,
    label: spec.label,
    features: spec.features,
    classes,
    params: { importedFrom: 'onnx', op: spec.node.op },
    preprocessor: passThrough(spec.features),
    coefficients,
    report: undefined,
  })
}
