import { describe, expect, it } from 'vitest'
import { decodeModel, encodeModel, MODEL_FORMAT_VERSION } from '../../src/learn/format.js'

describe('model file format', () => {
  const payload = {
    kind: 'test',
    header: { task: 'binary', classes: ['a', 'b'], nested: { k: 1 } },
    arrays: {
      weights: Float64Array.from([0.1, -0, Number.NaN, Number.POSITIVE_INFINITY, 1e-300]),
      codes: Int32Array.from([-1, 0, 7]),
      bins: Uint8Array.from([1, 2, 3]),
      small: Float32Array.from([Math.fround(0.1)]),
    },
  }

  it('round-trips header and arrays bit for bit', () => {
    const decoded = decodeModel(encodeModel(payload))
    expect(decoded.format).toBe(MODEL_FORMAT_VERSION)
    expect(decoded.kind).toBe('test')
    expect(decoded.header).toEqual(payload.header)
    expect(new Uint8Array((decoded.arrays.weights as Float64Array).buffer)).toEqual(new Uint8Array(payload.arrays.weights.buffer))
    expect(decoded.arrays.codes).toEqual(payload.arrays.codes)
    expect(decoded.arrays.bins).toEqual(payload.arrays.bins)
    expect(decoded.arrays.small).toEqual(payload.arrays.small)
  })

  it('reads arrays from a buffer at any offset, without aliasing it', () => {
    const bytes = encodeModel(payload)
    const shifted = new Uint8Array(bytes.length + 3)
    shifted.set(bytes, 3)
    const decoded = decodeModel(shifted.subarray(3))
    shifted.fill(0)
    expect(decoded.arrays.codes).toEqual(payload.arrays.codes)
  })

  it('refuses other files, newer versions and truncation with a clear error', () => {
    expect(() => decodeModel(new TextEncoder().encode('not a model at all'))).toThrow(expect.objectContaining({ code: 'MODEL_FORMAT_UNSUPPORTED' }))
    const bytes = encodeModel(payload)
    const newer = bytes.slice()
    const at = new TextDecoder().decode(bytes).indexOf(`"format":${MODEL_FORMAT_VERSION}`) + '"format":'.length
    newer[at] = '9'.charCodeAt(0)
    expect(() => decodeModel(newer)).toThrow(
      expect.objectContaining({ code: 'MODEL_FORMAT_UNSUPPORTED', message: expect.stringContaining('format version 9') }),
    )
    expect(() => decodeModel(bytes.subarray(0, bytes.length - 24))).toThrow(
      expect.objectContaining({ code: 'MODEL_FORMAT_UNSUPPORTED', message: expect.stringContaining('truncated') }),
    )
    expect(() => decodeModel(bytes.subarray(0, 20))).toThrow(expect.objectContaining({ code: 'MODEL_FORMAT_UNSUPPORTED' }))
  })
})
