import { describe, expect, it } from 'vitest'
import { monitorFrom } from '../../src/monitor/monitor-spec.js'

const window = (w: unknown) => monitorFrom({ m: { deployment: 'd', ...(w === undefined ? {} : { window: w }) } }, 'm').window

describe('monitor windows', () => {
  it('takes a duration, a count of the newest predictions, or both', () => {
    expect(window(undefined)).toEqual({ ms: 3_600_000, last: null, text: '1h' })
    expect(window('1d')).toEqual({ ms: 86_400_000, last: null, text: '1d' })
    expect(window({ last: 1000 })).toEqual({ ms: null, last: 1000, text: 'last 1000' })
    expect(window({ last: 500, within: '2h' })).toEqual({ ms: 7_200_000, last: 500, text: 'last 500 within 2h' })
  })

  it('names the wrong part of a window with MONITOR_INVALID', () => {
    const refused = (w: unknown, message: RegExp) =>
      expect(() => window(w)).toThrow(expect.objectContaining({ code: 'MONITOR_INVALID', message: expect.stringMatching(message) }))
    refused('soon', /^monitor "m": `window` "soon" is not a duration like 1h or 1d$/)
    refused('0h', /`window` "0h" is not a duration/)
    refused({ last: 0 }, /`window.last` must be a whole number of predictions, at least 1; got 0$/)
    refused({ last: 2.5 }, /`window.last` must be a whole number.*got 2.5$/)
    refused({ last: '1000' }, /`window.last` must be a whole number.*got "1000"$/)
    refused({ within: '1d' }, /`window.last` must be a whole number.*got nothing$/)
    refused({ last: 10, within: 'a day' }, /`window.within` "a day" is not a duration like 1h or 1d$/)
    refused({ last: 10, size: 5 }, /`window.size` is not a window field \(use last, and optionally within\)$/)
    refused(1000, /`window` must be a duration like "1h" or "1d", \{ last: 1000 \}/)
    refused(null, /`window` must be/)
  })
})
