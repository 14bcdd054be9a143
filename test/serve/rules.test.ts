import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { type DeliveryOutcome, WebhookDispatcher } from '../../src/serve/actions.js'
import { parseRule } from '../../src/serve/rules.js'

describe('decision rules', () => {
  it('compare prediction fields and inputs with and / or / not and parentheses', () => {
    const scope = { p: 0.93, label: 'yes', probabilities: { no: 0.07, yes: 0.93 }, input: { plan: 'basic', tenure: 4 } }
    const holds = (text: string, s: object = scope) => parseRule(text).test(s)
    expect(holds('p > 0.9')).toBe(true)
    expect(holds('p >= 0.95')).toBe(false)
    expect(holds("label == 'yes' and input.plan != 'pro'")).toBe(true)
    expect(holds('input.tenure < 6 and (p > 0.99 or probabilities.yes > 0.9)')).toBe(true)
    expect(holds('not p > 0.5')).toBe(false)
    expect(holds('value > -1.5e2', { value: -100 })).toBe(true)
    // comparing across types, or with a missing field, is false rather than an error
    expect(holds("input.tenure > 'a'")).toBe(false)
    expect(holds('input.missing > 1')).toBe(false)
    expect(holds('input.missing == null')).toBe(true)
  })

  it('refuse what they cannot read, at config time', () => {
    expect(() => parseRule('p >')).toThrow(/ends too early/)
    expect(() => parseRule('p > 0.9 and (label == "x"')).toThrow(/not closed/)
    expect(() => parseRule('process.exit(1)')).toThrow(/unknown name "process.exit"/)
    expect(() => parseRule('p > 1; rm')).toThrow(/unexpected ";/)
    expect(() => parseRule('input > 1')).toThrow(/unknown name "input"/)
  })
})

describe('webhook delivery', () => {
  it('retries network errors, 429 and 5xx with backoff, gives up on other 4xx, and drops what is left at close', async () => {
    const received: { attempt: number; body: unknown }[] = []
    let calls = 0
    const receiver = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => {
        body += c.toString()
      })
      req.on('end', () => {
        calls++
        const payload = JSON.parse(body) as { kind: string }
        received.push({ attempt: calls, body: payload })
        if (payload.kind === 'flaky' && received.filter((r) => (r.body as { kind: string }).kind === 'flaky').length < 3)
          res.statusCode = calls % 2 === 0 ? 429 : 503
        else if (payload.kind === 'refused') res.statusCode = 422
        res.end()
      })
    })
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
    const outcomes: [string, DeliveryOutcome, number][] = []
    const dispatcher = new WebhookDispatcher({
      attempts: 4,
      backoffMs: 10,
      onOutcome: (d, outcome, attempts) => outcomes.push([(d.payload as { kind: string }).kind, outcome, attempts]),
    })
    dispatcher.send({ url, deployment: 'd', payload: { kind: 'flaky' } })
    dispatcher.send({ url, deployment: 'd', payload: { kind: 'refused' } })
    dispatcher.send({ url: 'http://127.0.0.1:9/nothing-listens', deployment: 'd', payload: { kind: 'unreachable' } })
    await dispatcher.close(5000)
    receiver.close()
    expect(outcomes.sort()).toEqual([
      ['flaky', 'delivered', 3],
      ['refused', 'failed', 1],
      ['unreachable', 'failed', 4],
    ])
    dispatcher.send({ url, deployment: 'd', payload: { kind: 'late' } })
    expect(outcomes.at(-1)).toEqual(['late', 'dropped', 0])
  })
})
