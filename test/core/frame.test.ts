import { describe, expect, it } from 'vitest'
import { BOOLEAN_MISSING, columnFromValues, Frame, isMissing, numericView } from '../../src/core/frame.js'

describe('Frame', () => {
  const frame = Frame.fromRecords([
    { age: 31, plan: 'pro', active: true, at: new Date('2026-01-02T03:04:05Z') },
    { age: null, plan: 'free', active: false, at: null },
    { age: 45.5, plan: 'pro', active: null, at: new Date(0) },
  ])

  it('infers column kinds and encodes missing values', () => {
    expect(frame.names).toEqual(['age', 'plan', 'active', 'at'])
    expect(frame.nRows).toBe(3)
    expect(frame.column('age')).toEqual({ kind: 'number', values: Float64Array.from([31, Number.NaN, 45.5]) })
    expect(frame.column('plan')).toEqual({ kind: 'category', codes: Int32Array.from([0, 1, 0]), levels: ['pro', 'free'] })
    expect(frame.column('active')).toEqual({ kind: 'boolean', values: Uint8Array.from([1, 0, BOOLEAN_MISSING]) })
    expect(frame.column('at').kind).toBe('timestamp')
    expect([0, 1, 2].map((i) => isMissing(frame.column('at'), i))).toEqual([false, true, false])
  })

  it('returns rows as plain values', () => {
    expect(frame.row(1)).toEqual({ age: null, plan: 'free', active: false, at: null })
    expect(frame.row(0).at).toEqual(new Date('2026-01-02T03:04:05Z'))
  })

  it('takes, slices, selects, drops and adds columns without changing the original', () => {
    const taken = frame.take([2, 2, 0])
    expect(taken.nRows).toBe(3)
    expect(Array.from((taken.column('age') as { values: Float64Array }).values)).toEqual([45.5, 45.5, 31])
    expect(frame.slice(1).nRows).toBe(2)
    expect(frame.select(['plan', 'age']).names).toEqual(['plan', 'age'])
    expect(frame.drop(['plan']).names).toEqual(['age', 'active', 'at'])
    expect(frame.with('z', { kind: 'number', values: new Float64Array(3) }).names).toContain('z')
    expect(frame.names).toEqual(['age', 'plan', 'active', 'at'])
  })

  it('views any column as numbers', () => {
    expect(Array.from(numericView(frame.column('plan')))).toEqual([0, 1, 0])
    expect(Array.from(numericView(frame.column('active')))).toEqual([1, 0, Number.NaN])
  })

  it('names the unknown column and lists the known ones', () => {
    expect(() => frame.column('agee')).toThrow(expect.objectContaining({ code: 'FRAME_COLUMN_UNKNOWN', message: expect.stringContaining('age, plan') }))
    expect(() => frame.drop(['nope'])).toThrow(expect.objectContaining({ code: 'FRAME_COLUMN_UNKNOWN' }))
  })

  it('refuses columns of different lengths and values of the wrong kind', () => {
    expect(() => new Frame({ a: { kind: 'number', values: new Float64Array(2) }, b: { kind: 'number', values: new Float64Array(3) } })).toThrow(
      expect.objectContaining({ code: 'FRAME_INVALID' }),
    )
    expect(() => columnFromValues('n', [1, 'x'], 'number')).toThrow(
      expect.objectContaining({ code: 'FRAME_INVALID', message: expect.stringContaining('row 1') }),
    )
    expect(() => Frame.fromRecords([{ b: 'maybe' }], { b: 'boolean' })).toThrow(expect.objectContaining({ code: 'FRAME_INVALID' }))
  })

  it('honours explicit kinds and treats mixed values as categories', () => {
    const f = Frame.fromRecords(
      [
        { zip: '01234', mixed: 1 },
        { zip: '99999', mixed: 'a' },
      ],
      { zip: 'category' },
    )
    expect(f.column('zip')).toMatchObject({ kind: 'category', levels: ['01234', '99999'] })
    expect(f.column('mixed')).toMatchObject({ kind: 'category', levels: ['1', 'a'] })
    expect(new Frame({}).nRows).toBe(0)
  })
})
