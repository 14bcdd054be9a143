import { describe, expect, it } from 'vitest'
import { Frame } from '../../src/core/frame.js'
import { featureColumns, prepareTraining } from '../../src/learn/training-data.js'

describe('prepareTraining', () => {
  it('infers binary, multiclass and regression tasks and orders classes as scikit-learn does', () => {
    const binary = prepareTraining(
      Frame.fromRecords([
        { x: 1, y: 1 },
        { x: 2, y: 0 },
      ]),
      { label: 'y' },
    )
    expect([binary.task, binary.classes, Array.from(binary.y)]).toEqual(['binary', ['0', '1'], [1, 0]])
    const multi = prepareTraining(
      Frame.fromRecords([
        { x: 1, y: 'b' },
        { x: 2, y: 'c' },
        { x: 3, y: 'a' },
      ]),
      { label: 'y' },
    )
    expect([multi.task, multi.classes, Array.from(multi.y)]).toEqual(['multiclass', ['a', 'b', 'c'], [1, 2, 0]])
    const numeric = prepareTraining(
      Frame.fromRecords([
        { x: 1, y: 10 },
        { x: 2, y: 2 },
        { x: 3, y: 1 },
      ]),
      { label: 'y', task: 'multiclass' },
    )
    expect(numeric.classes).toEqual(['1', '2', '10'])
    const regression = prepareTraining(
      Frame.fromRecords([
        { x: 1, y: 0.5 },
        { x: 2, y: 3 },
      ]),
      { label: 'y' },
    )
    expect(regression.task).toBe('regression')
    const bool = prepareTraining(
      Frame.fromRecords([
        { x: 1, y: true },
        { x: 2, y: false },
      ]),
      { label: 'y' },
    )
    expect(bool.classes).toEqual(['false', 'true'])
  })

  it('encodes features as numbers aligned to the training levels', () => {
    const train = prepareTraining(
      Frame.fromRecords([
        { c: 'a', b: true, y: 1 },
        { c: 'b', b: null, y: 0 },
      ]),
      { label: 'y' },
    )
    expect(train.features).toEqual([
      { name: 'c', kind: 'category', levels: ['a', 'b'] },
      { name: 'b', kind: 'boolean' },
    ])
    const later = Frame.fromRecords([
      { c: 'b', b: false },
      { c: 'new', b: true },
      { c: null, b: true },
    ])
    const [c, b] = featureColumns(later, train.features)
    expect(Array.from(c ?? [])).toEqual([1, Number.NaN, Number.NaN])
    expect(Array.from(b ?? [])).toEqual([0, 1, 1])
  })

  it('refuses what cannot be trained on, with the reason', () => {
    const code = { code: 'LEARN_INVALID_INPUT' }
    expect(() =>
      prepareTraining(new Frame({ x: { kind: 'number', values: new Float64Array(0) }, y: { kind: 'number', values: new Float64Array(0) } }), { label: 'y' }),
    ).toThrow(expect.objectContaining(code))
    expect(() =>
      prepareTraining(
        Frame.fromRecords([
          { x: 1, y: 1 },
          { x: 2, y: null },
        ]),
        { label: 'y' },
      ),
    ).toThrow(expect.objectContaining({ ...code, message: expect.stringContaining('missing in 1 row(s), first at row 1') }))
    expect(() =>
      prepareTraining(
        Frame.fromRecords([
          { x: 1, y: 'a' },
          { x: 2, y: 'a' },
        ]),
        { label: 'y' },
      ),
    ).toThrow(expect.objectContaining({ ...code, message: expect.stringContaining('single class') }))
    expect(() => prepareTraining(Frame.fromRecords([{ y: 1 }, { y: 0 }]), { label: 'y' })).toThrow(expect.objectContaining(code))
    expect(() => prepareTraining(Frame.fromRecords([{ x: 1, y: 'a' }]), { label: 'y', task: 'regression' })).toThrow(expect.objectContaining(code))
    expect(() => prepareTraining(Frame.fromRecords([{ x: 1, y: 1 }]), { label: 'nope' })).toThrow(expect.objectContaining({ code: 'FRAME_COLUMN_UNKNOWN' }))
  })

  it('names every mismatched column at predict time', () => {
    const train = prepareTraining(
      Frame.fromRecords([
        { a: 1, c: 'x', y: 1 },
        { a: 2, c: 'y', y: 0 },
      ]),
      { label: 'y' },
    )
    expect(() => featureColumns(Frame.fromRecords([{ c: 1 }]), train.features)).toThrow(
      expect.objectContaining({ code: 'LEARN_INVALID_INPUT', message: expect.stringMatching(/"a" is missing; "c" is number, was category/) }),
    )
  })
})
