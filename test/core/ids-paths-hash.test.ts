import { describe, expect, it } from 'vitest'
import { canonicalJson, isSha256, sha256 } from '../../src/core/hash.js'
import { isIdPrefix, newId } from '../../src/core/ids.js'
import { safeRelativePath } from '../../src/core/paths.js'
import { redactUrl } from '../../src/core/urls.js'

describe('ids', () => {
  it('are unique and sort by creation time', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => newId(1_700_000_000_000 + i))
    expect(new Set(ids).size).toBe(1000)
    expect([...ids].sort()).toEqual(ids)
    expect(ids.every((id) => id.length === 26 && isIdPrefix(id))).toBe(true)
    expect(newId(2) > newId(1)).toBe(true)
  })

  it('recognise prefixes and refuse other text', () => {
    expect(isIdPrefix('01m8')).toBe(true)
    expect(isIdPrefix('')).toBe(false)
    expect(isIdPrefix('01M8')).toBe(false)
    expect(isIdPrefix('../x')).toBe(false)
  })
})

describe('safeRelativePath', () => {
  it('normalises harmless names', () => {
    expect(safeRelativePath('model.bin')).toBe('model.bin')
    expect(safeRelativePath('./a//b/./c.txt')).toBe('a/b/c.txt')
  })

  it.each([['../x'], ['a/../../x'], ['/etc/passwd'], ['C:/x'], ['a\\b'], [''], ['.'], ['a\0b']])('refuses %j', (name) => {
    expect(() => safeRelativePath(name)).toThrow(expect.objectContaining({ code: 'ARTIFACT_NAME_INVALID' }))
  })
})

describe('hashing', () => {
  it('hashes bytes and strings alike', () => {
    expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(sha256(Buffer.from('abc'))).toBe(sha256('abc'))
    expect(isSha256(sha256('x'))).toBe(true)
    expect(isSha256('xyz')).toBe(false)
  })

  it('serialises objects with sorted keys at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: 3 } })).toBe('{"a":{"c":3,"d":[2,{"y":2,"z":1}]},"b":1}')
  })
})

describe('redactUrl', () => {
  it('hides passwords and leaves other URLs alone', () => {
    expect(redactUrl('postgres://u:pw@h:5432/db?schema=s')).toBe('postgres://u:***@h:5432/db?schema=s')
    expect(redactUrl('postgres://u@h/db')).toBe('postgres://u@h/db')
    expect(redactUrl('sqlite:.keel/keel.db')).toBe('sqlite:.keel/keel.db')
  })
})
