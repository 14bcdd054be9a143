/**
 * @module Child process: an open-loop load generator at a fixed rate (what wrk2 does; Debian
 * ships only wrk, which is closed-loop). Request i is due at start + i / rate whether or not
 * earlier ones have answered, and its latency runs from that due time, not from when it was
 * sent, so a stall in the server counts against every request it delayed (no coordinated
 * omission). The first `warmup` seconds are sent but not counted. Prints one JSON line.
 *
 * To keep its own jitter small it writes one prebuilt HTTP/1.1 request on raw keep-alive TCP
 * sockets (one request in flight per socket, a new socket only when all are busy), reads just
 * the status line and Content-Length of each answer, and records into preallocated arrays.
 *
 * `node --import tsx bench/serve/open-loop.ts <url> <body file> <rate/s> <seconds> <warmup seconds>`
 */
import { readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'

export interface OpenLoopResult {
  readonly rate: number
  readonly seconds: number
  readonly warmupSeconds: number
  readonly scheduled: number
  readonly ok: number
  readonly errors: number
  readonly errorKinds: Readonly<Record<string, number>>
  /** Milliseconds from the due time to the last byte of the answer. */
  readonly latencyMs: Percentiles
  /** Milliseconds from the actual send to the last byte (what a closed-loop tool reports). */
  readonly serviceMs: Percentiles
  /** How late the generator itself sent (its own jitter, included in `latencyMs`). */
  readonly sendLagMs: Percentiles
  /** Sockets opened in all (requests overlap when the server is slower than the rate). */
  readonly connections: number
}

export interface Percentiles {
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly p999: number
  readonly max: number
  readonly mean: number
}

/** Nearest-rank percentiles of a sample, in its unit. */
export function percentiles(values: Float64Array): Percentiles {
  const s = Float64Array.from(values).sort()
  const at = (q: number) => (s.length === 0 ? Number.NaN : (s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] as number))
  const mean = s.length === 0 ? Number.NaN : s.reduce((a, b) => a + b, 0) / s.length
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: at(1), mean }
}

const TIMEOUT_MS = 2000
const HEADER_END = Buffer.from('\r\n\r\n')

/** One keep-alive socket and the request it is waiting on. */
interface Conn {
  readonly socket: Socket
  request: number
  sent: number
  buffer: Buffer
}

/** Where the answer in `buffer` ends (after its body), its status, or null while incomplete. */
function parseAnswer(buffer: Buffer): { end: number; status: number } | null {
  const head = buffer.indexOf(HEADER_END)
  if (head < 0) return null
  const text = buffer.toString('latin1', 0, head)
  const status = Number(text.slice(9, 12))
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(text)
  if (length === null) throw new Error('an answer without Content-Length')
  const end = head + 4 + Number(length[1])
  return buffer.length >= end ? { end, status } : null
}

async function main(): Promise<void> {
  const [target, bodyFile, rateArg, secondsArg, warmupArg] = process.argv.slice(2)
  if (target === undefined || bodyFile === undefined) throw new Error('usage: open-loop.ts <url> <body file> <rate> <seconds> <warmup>')
  const rate = Number(rateArg ?? 500)
  const seconds = Number(secondsArg ?? 15)
  const warmup = Number(warmupArg ?? 2)
  const url = new URL(target)
  const body = readFileSync(bodyFile)
  const request = Buffer.concat([
    Buffer.from(
      `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n`,
      'latin1',
    ),
    body,
  ])
  const total = Math.round(rate * (warmup + seconds))
  const counted = Math.round(rate * warmup)
  const interval = 1000 / rate
  const n = total - counted
  const latency = new Float64Array(n).fill(Number.NaN)
  const service = new Float64Array(n).fill(Number.NaN)
  const lag = new Float64Array(n)
  const due = (i: number) => start + i * interval
  const errorKinds: Record<string, number> = {}
  const idle: Conn[] = []
  const busy = new Set<Conn>()
  let opened = 0
  let done = 0
  let start = 0

  const finish = (c: Conn, status: number | string) => {
    const end = performance.now()
    const i = c.request
    busy.delete(c)
    done++
    if (i >= counted) {
      if (status === 200) {
        latency[i - counted] = end - due(i)
        service[i - counted] = end - c.sent
      } else {
        const kind = typeof status === 'number' ? `status ${status}` : status
        errorKinds[kind] = (errorKinds[kind] ?? 0) + 1
      }
    }
  }

  const open = (): Conn => {
    const socket = connect({ host: url.hostname, port: Number(url.port), noDelay: true })
    const c: Conn = { socket, request: -1, sent: 0, buffer: Buffer.alloc(0) }
    opened++
    socket.on('data', (chunk: Buffer) => {
      c.buffer = c.buffer.length === 0 ? chunk : Buffer.concat([c.buffer, chunk])
      const answer = parseAnswer(c.buffer)
      if (answer === null) return
      c.buffer = c.buffer.subarray(answer.end)
      finish(c, answer.status)
      idle.push(c)
    })
    const lost = (kind: string) => {
      if (busy.has(c)) finish(c, kind)
      const at = idle.indexOf(c)
      if (at >= 0) idle.splice(at, 1)
    }
    socket.on('error', (e: NodeJS.ErrnoException) => lost(e.code ?? 'socket error'))
    socket.on('close', () => lost('closed'))
    return c
  }

  const send = (i: number, now: number) => {
    const c = idle.pop() ?? open()
    c.request = i
    c.sent = now
    busy.add(c)
    if (i >= counted) lag[i - counted] = now - due(i)
    c.socket.write(request)
  }

  // open a few sockets before the clock starts (the warm-up opens the rest it needs)
  await Promise.all(
    Array.from({ length: 8 }, () => {
      const c = open()
      return new Promise<void>((resolve) =>
        c.socket.once('connect', () => {
          idle.push(c)
          resolve()
        }),
      )
    }),
  )
  start = performance.now() + 5
  let next = 0
  await new Promise<void>((resolve) => {
    const pump = () => {
      const now = performance.now()
      while (next < total && due(next) <= now) send(next++, now)
      for (const c of busy) {
        if (now - due(c.request) > TIMEOUT_MS) {
          finish(c, 'timeout')
          c.socket.destroy()
        }
      }
      if (done >= total) return resolve()
      // sleep while the next request is more than 1.5 ms away, then spin to its due time
      const wait = next < total ? due(next) - now : 1
      if (wait > 1.5) setTimeout(pump, Math.floor(wait - 1))
      else setImmediate(pump)
    }
    pump()
  })
  for (const c of [...idle, ...busy]) c.socket.destroy()
  const answered = latency.filter((x) => !Number.isNaN(x))
  const errors = Object.values(errorKinds).reduce((a, b) => a + b, 0)
  const result: OpenLoopResult = {
    rate,
    seconds,
    warmupSeconds: warmup,
    scheduled: n,
    ok: answered.length,
    errors,
    errorKinds,
    latencyMs: percentiles(answered),
    serviceMs: percentiles(service.filter((x) => !Number.isNaN(x))),
    sendLagMs: percentiles(lag),
    connections: opened,
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

if (import.meta.filename === process.argv[1]) await main()
