import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { Frame } from '../../../src/core/frame.js'
import { decodeModel, encodeModel } from '../../../src/learn/format.js'
import type { FeatureSpec } from '../../../src/learn/model.js'
import { Preprocessor } from '../../../src/learn/preprocess/preprocessor.js'
import { LINEAR_RECIPE, resolveRecipe } from '../../../src/learn/preprocess/recipe.js'

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/linear-preprocess.json', import.meta.url), 'utf8'))
const cat = (name: string): FeatureSpec => ({ name, kind: 'category' })
const rowsOf = (m: { x: Float64Array; nRows: number; nCols: number }) =>
  Array.from({ length: m.nRows }, (_, i) => Array.from(m.x.subarray(i * m.nCols, (i + 1) * m.nCols)))

describe('one-hot encoding', () => {
  it("matches scikit-learn's OneHotEncoder on known levels and sends unseen ones to __unknown__", () => {
    const train = Frame.fromRecords(fixture.train)
    const prep = Preprocessor.fit(train, [cat('color')])
    const categories = fixture.oneHot.categories as string[]
    expect(prep.names).toEqual([...categories.map((c) => `color=${c}`), 'color=__unknown__'])
    const probe = (fixture.oneHot.probe as string[]).map((color) => ({ color }))
    const out = rowsOf(prep.transform(Frame.fromRecords(probe)))
    // scikit-learn with handle_unknown='ignore' gives all zeros; Keel adds the unknown bucket
    expect(out.map((r) => r.slice(0, categories.length))).toEqual(fixture.oneHot.output)
    expect(out.map((r) => r[categories.length])).toEqual([0, 1, 0])
  })

  it('groups rare levels into __rare__, which also takes them at predict time', () => {
    const colors = [...Array(10).fill('red'), ...Array(8).fill('blue'), 'pink', 'teal']
    const train = Frame.fromRecords(colors.map((color) => ({ color })))
    const prep = Preprocessor.fit(train, [cat('color')], resolveRecipe({ categories: { minFrequency: 0.1 } }))
    expect(prep.names).toEqual(['color=blue', 'color=red', 'color=__rare__', 'color=__unknown__'])
    const out = rowsOf(prep.transform(Frame.fromRecords([{ color: 'teal' }, { color: 'mauve' }, { color: 'red' }])))
    expect(out).toEqual([
      [0, 0, 1, 0],
      [0, 0, 0, 1],
      [0, 1, 0, 0],
    ])
  })

  it('keeps missing as its own level when training had it, else as unknown', () => {
    const prep = Preprocessor.fit(Frame.fromRecords([{ c: 'a' }, { c: null }, { c: 'b' }]), [cat('c')])
    expect(prep.names).toEqual(['c=__missing__', 'c=a', 'c=b', 'c=__unknown__'])
    const noMissing = Preprocessor.fit(Frame.fromRecords([{ c: 'a' }, { c: 'b' }]), [cat('c')])
    expect(rowsOf(noMissing.transform(Frame.fromRecords([{ c: null }, { c: 'a' }], { c: 'category' })))).toEqual([
      [0, 0, 1],
      [1, 0, 0],
    ])
  })

  it('fills missing with the most frequent level when asked', () => {
    const recipe = resolveRecipe({ categories: { missing: 'most-frequent' } })
    const prep = Preprocessor.fit(Frame.fromRecords([{ c: 'b' }, { c: 'a' }, { c: 'b' }, { c: null }]), [cat('c')], recipe)
    expect(prep.names).toEqual(['c=a', 'c=b', 'c=__unknown__'])
    expect(rowsOf(prep.transform(Frame.fromRecords([{ c: null }], { c: 'category' })))).toEqual([[0, 1, 0]])
  })
})

describe('ordinal encoding', () => {
  it('codes levels in sorted order and unseen ones with the unknown value', () => {
    const recipe = resolveRecipe({ categories: { encoding: 'ordinal', unknownValue: -2 } })
    const prep = Preprocessor.fit(Frame.fromRecords([{ s: 'm' }, { s: 'l' }, { s: 's' }]), [cat('s')], recipe)
    expect(prep.names).toEqual(['s'])
    expect(Array.from(prep.transform(Frame.fromRecords([{ s: 's' }, { s: 'l' }, { s: 'xl' }])).x)).toEqual([2, 0, -2])
  })
})

describe('booleans and timestamps', () => {
  it('encodes booleans 0/1 and fills missing with the most frequent value', () => {
    const prep = Preprocessor.fit(Frame.fromRecords([{ b: true }, { b: true }, { b: false }, { b: null }]), [{ name: 'b', kind: 'boolean' }])
    expect(Array.from(prep.transform(Frame.fromRecords([{ b: false }, { b: null }, { b: true }], { b: 'boolean' })).x)).toEqual([0, 1, 1])
  })

  it('splits timestamps into UTC calendar parts', () => {
    const recipe = resolveRecipe({ timestamps: { scale: false } })
    const frame = Frame.fromRecords([{ t: new Date('2024-02-29T13:45:00Z') }, { t: new Date('2023-12-31T23:00:00Z') }, { t: null }])
    const prep = Preprocessor.fit(frame, [{ name: 't', kind: 'timestamp' }], recipe)
    expect(prep.names).toEqual(['t=year', 't=month', 't=day', 't=dayOfWeek', 't=hour'])
    // 2024-02-29 is a Thursday (3 with Monday = 0); 2023-12-31 a Sunday (6); the missing row takes each part's median
    expect(rowsOf(prep.transform(frame))).toEqual([
      [2024, 2, 29, 3, 13],
      [2023, 12, 31, 6, 23],
      [2023.5, 7, 30, 4.5, 18],
    ])
  })

  it('scales date parts by default', () => {
    const frame = Frame.fromRecords([{ t: new Date('2024-01-01T00:00:00Z') }, { t: new Date('2026-01-01T00:00:00Z') }])
    const out = Preprocessor.fit(frame, [{ name: 't', kind: 'timestamp' }]).transform(frame)
    expect([out.x[0], out.x[5]]).toEqual([-1, 1])
  })
})

describe('Preprocessor', () => {
  const train = Frame.fromRecords([
    { n: 1, b: true, c: 'x', t: new Date('2024-05-01T10:00:00Z') },
    { n: null, b: false, c: 'y', t: new Date('2024-06-01T12:00:00Z') },
    { n: 5, b: null, c: null, t: null },
  ])
  const features: FeatureSpec[] = [
    { name: 'n', kind: 'number' },
    { name: 'b', kind: 'boolean' },
    { name: 'c', kind: 'category' },
    { name: 't', kind: 'timestamp' },
  ]

  it('writes one block per feature, in feature order, under the linear recipe', () => {
    const prep = Preprocessor.fit(train, features, LINEAR_RECIPE)
    expect(prep.names).toEqual(['n', 'b', 'c=__missing__', 'c=x', 'c=y', 'c=__unknown__', 't=year', 't=month', 't=day', 't=dayOfWeek', 't=hour'])
    const m = prep.transform(train)
    expect([m.nRows, m.nCols, m.x.length]).toEqual([3, 11, 33])
    for (const v of m.x) expect(Number.isFinite(v)).toBe(true)
  })

  it('survives the model file bit for bit', () => {
    const prep = Preprocessor.fit(train, features)
    const payload = prep.toPayload()
    const decoded = decodeModel(encodeModel({ kind: 'test', header: { preprocess: payload.header }, arrays: payload.arrays }))
    const loaded = Preprocessor.fromPayload(decoded.header.preprocess, decoded.arrays)
    expect(loaded.steps).toEqual(prep.steps)
    const a = prep.transform(train).x
    const b = loaded.transform(train).x
    expect(new Uint8Array(b.buffer)).toEqual(new Uint8Array(a.buffer))
  })

  it('refuses corrupt preprocessing in a model file', () => {
    const payload = Preprocessor.fit(train, features).toPayload()
    const corrupt = { code: 'MODEL_FORMAT_UNSUPPORTED' }
    expect(() => Preprocessor.fromPayload({ steps: [{ type: 'magic', feature: 'n' }] }, payload.arrays)).toThrow(expect.objectContaining(corrupt))
    expect(() => Preprocessor.fromPayload(payload.header, { 'preprocess.numbers': new Float64Array(1) })).toThrow(expect.objectContaining(corrupt))
    expect(() => Preprocessor.fromPayload(undefined, payload.arrays)).toThrow(expect.objectContaining(corrupt))
  })

  it('names every mismatched column of a frame at once', () => {
    const prep = Preprocessor.fit(train, features)
    const bad = Frame.fromRecords([{ n: 'one', b: true, t: new Date() }])
    expect(() => prep.transform(bad)).toThrow(
      expect.objectContaining({ code: 'LEARN_INVALID_INPUT', message: expect.stringMatching(/"n" is category, was number.*"c" is missing/) }),
    )
  })
})
