/**
 * @module The Open Inference Protocol (v2) shapes: a model's inputs and outputs as tensor
 * metadata, request tensors as instances, answers as output tensors.
 */
import type { Answer } from './answers.js'
import { isLabelled } from './answers.js'
import { HttpError } from './http-error.js'
import type { LoadedVersion } from './runtime.js'

export function v2Type(kind: string): string {
  return kind === 'category' ? 'BYTES' : kind === 'boolean' ? 'BOOL' : kind === 'timestamp' ? 'INT64' : 'FP64'
}

export function v2Outputs(loaded: LoadedVersion): { name: string; datatype: string; shape: number[] }[] {
  return loaded.signature.output.task === 'regression'
    ? [{ name: 'predictions', datatype: 'FP64', shape: [-1] }]
    : [
        { name: 'label', datatype: 'BYTES', shape: [-1] },
        { name: 'probabilities', datatype: 'FP64', shape: [-1, loaded.signature.output.classes.length] },
      ]
}

/** Open Inference Protocol tensors (one per feature, `[n]` or `[n, 1]`) as instances. */
export function v2Instances(body: { inputs?: unknown } | null): Record<string, unknown>[] {
  if (typeof body !== 'object' || body === null || !Array.isArray(body.inputs) || body.inputs.length === 0) {
    throw new HttpError(400, 'INVALID_INPUT', 'the body must have `inputs`: a non-empty array of tensors {name, shape, datatype, data}')
  }
  let n: number | undefined
  const columns: [string, unknown[]][] = []
  for (const [i, tensor] of body.inputs.entries()) {
    const t = tensor as { name?: unknown; shape?: unknown; data?: unknown }
    if (typeof t !== 'object' || t === null || typeof t.name !== 'string') throw new HttpError(400, 'INVALID_INPUT', `inputs[${i}] needs a string name`)
    if (
      !Array.isArray(t.shape) ||
      t.shape.length < 1 ||
      t.shape.length > 2 ||
      !t.shape.every((d) => Number.isInteger(d) && d >= 0) ||
      (t.shape.length === 2 && t.shape[1] !== 1)
    ) {
      throw new HttpError(400, 'INVALID_INPUT', `inputs[${i}] (${t.name}): shape must be [n] or [n, 1]`)
    }
    if (!Array.isArray(t.data)) throw new HttpError(400, 'INVALID_INPUT', `inputs[${i}] (${t.name}): data must be an array`)
    const data = (t.data as unknown[]).flat()
    if (data.length !== t.shape[0])
      throw new HttpError(400, 'INVALID_INPUT', `inputs[${i}] (${t.name}): ${data.length} values for shape [${t.shape.join(', ')}]`)
    if (n !== undefined && data.length !== n)
      throw new HttpError(400, 'INVALID_INPUT', `inputs[${i}] (${t.name}) has ${data.length} rows; the others have ${n}`)
    n = data.length
    columns.push([t.name, data])
  }
  return Array.from({ length: n ?? 0 }, (_, row) => Object.fromEntries(columns.map(([name, data]) => [name, data[row]])))
}

/**
 * Answers as output tensors. Classification answers mixed with a constant fallback's (a partial
 * fallback) keep the constant as the label, with null probabilities: the fallback gave none.
 */
export function v2Answers(answers: readonly Answer[]) {
  const first = typeof answers[0] === 'object' ? answers[0] : (answers.find(isLabelled) ?? answers[0])
  if (typeof first === 'object' && first !== null) {
    const classes = Object.keys(first.probabilities)
    return [
      { name: 'label', datatype: 'BYTES', shape: [answers.length], data: answers.map((a) => (typeof a === 'object' ? a.label : String(a))) },
      {
        name: 'probabilities',
        datatype: 'FP64',
        shape: [answers.length, classes.length],
        data: answers.flatMap((a) => classes.map((c) => (typeof a === 'object' ? (a.probabilities[c] ?? null) : null))),
      },
    ]
  }
  return [{ name: 'predictions', datatype: typeof first === 'string' ? 'BYTES' : 'FP64', shape: [answers.length], data: answers }]
}
