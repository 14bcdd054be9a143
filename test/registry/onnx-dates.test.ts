import ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import type { Model } from '../../src/learn/model.js'
import { DATE_PARTS, datePart } from '../../src/learn/preprocess/dates.js'
import { createRandom } from '../../src/learn/random.js'
import { datePartsGraph } from '../../src/registry/onnx/date-graph.js'
import { attr, GraphBuilder, modelBytes, ONNX_INPUT, ONNX_OUTPUT } from '../../src/registry/onnx/graph.js'

/** ONNX Runtime's calendar parts (year, month, day, dayOfWeek, hour) of each timestamp. */
async function onnxDateParts(ms: Float64Array): Promise<Float32Array> {
  const g = new GraphBuilder()
  const parts = datePartsGraph(g, ONNX_INPUT, DATE_PARTS, 't')
  // every part is a whole number below 2^24, so float output is exact
  const all = g.op('Concat', parts, 'parts', { attributes: [attr.int('axis', 1)] })
  g.op('Cast', [all], 'out', { output: ONNX_OUTPUT, attributes: [attr.int('to', 1)] })
  const model = { kind: 'dates', task: 'regression', label: 'parts', features: [{ name: 't', kind: 'timestamp' }], classes: [] } as unknown as Model
  const session = await ort.InferenceSession.create(modelBytes(model, g, DATE_PARTS.length, {}))
  const result = await session.run({ [ONNX_INPUT]: new ort.Tensor('float64', ms, [ms.length, 1]) })
  await session.release()
  return (result[ONNX_OUTPUT] as { data: Float32Array }).data
}

const MAX_TIME = 8.64e15
const DAY = 86_400_000

describe('calendar parts in ONNX arithmetic', () => {
  it("equal Date's UTC year, month, day, weekday and hour everywhere in Date's range, fractions and edges included", async () => {
    const r = createRandom(5)
    const edges = [
      0,
      -1,
      1,
      -0.5,
      0.5,
      -1.5,
      1.5,
      DAY - 1,
      -DAY,
      -DAY - 0.5,
      Date.UTC(2000, 1, 29, 23, 59, 59, 999),
      Date.UTC(2100, 2, 1),
      Date.UTC(1900, 1, 28, 12),
      Date.UTC(1600, 0, 1),
      Date.UTC(0, 0, 1) - DAY,
      Date.UTC(-1, 11, 31, 23),
      -MAX_TIME,
      MAX_TIME,
      MAX_TIME - 0.5,
      -MAX_TIME + 0.25,
      MAX_TIME + 1,
      -MAX_TIME - 1,
      Number.NaN,
      1e300,
    ]
    const anywhere = Array.from({ length: 20_000 }, () => Math.round((2 * r.next() - 1) * MAX_TIME))
    const recent = Array.from({ length: 20_000 }, () => Date.UTC(1900, 0, 1) + r.next() * 200 * 365.25 * DAY)
    const ms = Float64Array.from([...edges, ...anywhere, ...recent])
    const got = await onnxDateParts(ms)
    const wrong: string[] = []
    ms.forEach((t, i) => {
      DATE_PARTS.forEach((part, j) => {
        const want = datePart(t, part)
        const have = got[i * DATE_PARTS.length + j] as number
        if (want !== have && !(Number.isNaN(want) && Number.isNaN(have))) wrong.push(`${t} ${part}: ${have} ≠ ${want}`)
      })
    })
    expect(wrong.slice(0, 5)).toEqual([])
  })
})
