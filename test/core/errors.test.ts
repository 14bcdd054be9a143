import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { renderErrorsDoc } from '../../scripts/errors-doc.js'
import { ERRORS, isKeelError, KeelError, toKeelError } from '../../src/core/errors.js'

describe('KeelError', () => {
  it('carries the code, the table hint, status and exit code', () => {
    const e = new KeelError('RUN_NOT_FOUND', 'no run with id x')
    expect(e).toBeInstanceOf(Error)
    expect(isKeelError(e)).toBe(true)
    expect([e.code, e.hint, e.status, e.exitCode, e.retryable]).toEqual(['RUN_NOT_FOUND', ERRORS.RUN_NOT_FOUND.hint, 404, 2, false])
  })

  it('survives a JSON round trip, and an unknown code becomes INTERNAL', () => {
    const e = new KeelError('ARTIFACT_TAMPERED', 'bad bytes', { hint: 'custom' })
    const back = KeelError.fromJSON(JSON.parse(JSON.stringify(e)))
    expect(back.toJSON()).toEqual({ code: 'ARTIFACT_TAMPERED', message: 'bad bytes', hint: 'custom' })
    expect(KeelError.fromJSON({ code: 'NOPE', message: 'm' }).code).toBe('INTERNAL')
    expect(KeelError.fromJSON({ code: 'toString' }).code).toBe('INTERNAL')
  })

  it('wraps foreign throwables once', () => {
    const original = new KeelError('CLI_USAGE', 'x')
    expect(toKeelError(original)).toBe(original)
    const wrapped = toKeelError(new TypeError('boom'))
    expect([wrapped.code, wrapped.message]).toEqual(['INTERNAL', 'boom'])
    expect(toKeelError('text').message).toBe('text')
  })

  it('gives every code a hint, an HTTP status and a non-zero exit code', () => {
    for (const [code, spec] of Object.entries(ERRORS)) {
      expect(spec.hint.length, code).toBeGreaterThan(10)
      expect(spec.exit, code).toBeGreaterThan(0)
      expect(spec.status, code).toBeGreaterThanOrEqual(400)
    }
  })

  it('is documented: docs/errors.md matches the table (run `npm run docs:errors`)', () => {
    expect(readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')).toBe(renderErrorsDoc())
  })
})
