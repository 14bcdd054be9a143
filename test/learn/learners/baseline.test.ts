import { describe, expect, it } from 'vitest'
import { Frame } from '../../../src/core/frame.js'
import { decodeModel } from '../../../src/learn/format.js'
import { BASELINE_KIND, baseline, decodeBaseline } from '../../../src/learn/learners/baseline.js'
import { decodeLogistic } from '../../../src/learn/learners/logistic.js'

const classes = Frame.fromRecords(['b', 'a', 'c', 'b', 'a', 'b'].map((y, i) => ({ x: i, y })))
const numbers = Frame.fromRecords([1, 2, 10, 3].map((y, i) => ({ x: i, y: y + 0.5 })))

describe('baseline', () => {
  it('predicts training class frequencies with prior (the classification default)', async () => {
    const model = await baseline().fit(classes, { label: 'y' })
    expect(model.strategy).toBe('prior')
    const p = model.predict(classes.slice(0, 2))
    expect(p.classes).toEqual(['a', 'b', 'c'])
    expect(Array.from(p.values)).toEqual([2 / 6, 3 / 6, 1 / 6, 2 / 6, 3 / 6, 1 / 6])
  })

  it('puts probability 1 on the majority class, ties to the first class in order', async () => {
    const model = await baseline({ strategy: 'majority' }).fit(classes, { label: 'y' })
    expect(Array.from(model.predict(classes.slice(0, 1)).values)).toEqual([0, 1, 0])
    const tied = Frame.fromRecords(['z', 'y', 'y', 'z'].map((y, i) => ({ x: i, y })))
    const t = await baseline({ strategy: 'majority' }).fit(tied, { label: 'y' })
    expect([t.classes, Array.from(t.output)]).toEqual([
      ['y', 'z'],
      [1, 0],
    ])
  })

  it('predicts the mean (default) or the median for regression', async () => {
    const mean = await baseline().fit(numbers, { label: 'y' })
    expect(Array.from(mean.predict(numbers).values)).toEqual([4.5, 4.5, 4.5, 4.5])
    const median = await baseline({ strategy: 'median' }).fit(numbers, { label: 'y' })
    expect(Array.from(median.predict(numbers.slice(0, 1)).values)).toEqual([3])
  })

  it('round-trips through the model file', async () => {
    for (const [frame, strategy] of [
      [classes, 'prior'],
      [numbers, 'median'],
    ] as const) {
      const model = await baseline({ strategy }).fit(frame, { label: 'y' })
      const loaded = decodeBaseline(decodeModel(model.save()))
      expect([loaded.kind, loaded.strategy, loaded.task, loaded.classes]).toEqual([BASELINE_KIND, strategy, model.task, model.classes])
      expect(loaded.predict(frame).values).toEqual(model.predict(frame).values)
    }
    const model = await baseline().fit(classes, { label: 'y' })
    expect(() => decodeLogistic(decodeModel(model.save()))).toThrow(expect.objectContaining({ code: 'MODEL_FORMAT_UNSUPPORTED' }))
  })

  it('rejects bad strategies and bad input', async () => {
    expect(() => baseline({ strategy: 'mode' as never })).toThrow(
      expect.objectContaining({ code: 'LEARN_INVALID_PARAMS', message: expect.stringMatching(/strategy/) }),
    )
    expect(() => baseline({ k: 1 } as never)).toThrow(expect.objectContaining({ code: 'LEARN_INVALID_PARAMS', message: expect.stringMatching(/"k"/) }))
    await expect(baseline({ strategy: 'mean' }).fit(classes, { label: 'y' })).rejects.toMatchObject({
      code: 'LEARN_INVALID_PARAMS',
      message: expect.stringMatching(/prior or majority/),
    })
    await expect(baseline().fit(classes.slice(0, 0), { label: 'y' })).rejects.toMatchObject({ code: 'LEARN_INVALID_INPUT' })
    await expect(
      baseline().fit(
        Frame.fromRecords([
          { x: 1, y: 'a' },
          { x: 2, y: 'a' },
        ]),
        { label: 'y' },
      ),
    ).rejects.toMatchObject({ code: 'LEARN_INVALID_INPUT' })
    const model = await baseline().fit(classes, { label: 'y' })
    expect(() => model.predict(Frame.fromRecords([{ other: 1 }]))).toThrow(expect.objectContaining({ code: 'LEARN_INVALID_INPUT' }))
  })
})
