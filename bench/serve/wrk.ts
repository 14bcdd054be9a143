/**
 * @module wrk (the Debian package) as the closed-loop load generator: a Lua script POSTs one
 * JSON body on every connection as fast as answers come back and prints its summary as JSON.
 */
import { execFile, execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'

export interface WrkResult {
  readonly requests: number
  readonly seconds: number
  readonly requestsPerSecond: number
  readonly bytes: number
  readonly errors: { readonly connect: number; readonly read: number; readonly write: number; readonly status: number; readonly timeout: number }
  /** Closed-loop latency in ms (coordinated omission included: do not read it as latency under a fixed load). */
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number; readonly mean: number }
}

export interface WrkOptions {
  readonly url: string
  readonly script: string
  readonly threads: number
  readonly connections: number
  readonly seconds: number
  /** A `taskset -c` CPU list, or null not to pin. */
  readonly cpus: string | null
  /** Told wrk's process id (to count its CPU time as load). */
  readonly onSpawn?: (pid: number) => void
}

/** wrk's version line, or null when it is not installed. */
export function wrkVersion(): string | null {
  try {
    // `wrk -v` prints its version and usage, and exits 1
    execFileSync('wrk', ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (error) {
    const e = error as { code?: string; stdout?: string }
    if (e.code === 'ENOENT') return null
    return (
      (e.stdout ?? '')
        .split('\n')[0]
        ?.replace(/\s*Copyright.*$/, '')
        .trim() || 'wrk (unknown version)'
    )
  }
  return 'wrk (unknown version)'
}

const MARK = 'KEEL_WRK_JSON '

/** Writes the Lua script that POSTs `body` and reports the summary as JSON. */
export function writeWrkScript(path: string, body: string): void {
  const lua = `wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [==[${body}]==]

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('${MARK}{"requests":%d,"durationUs":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latencyUs":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
`
  writeFileSync(path, lua)
}

/**
 * Runs wrk for `seconds` and returns its summary.
 *
 * @example
 * ```ts
 * const r = await runWrk({ url, script, threads: 1, connections: 16, seconds: 10, cpus: '0' }) // r.requestsPerSecond
 * ```
 */
export function runWrk(o: WrkOptions): Promise<WrkResult> {
  const args = [`-t${o.threads}`, `-c${o.connections}`, `-d${o.seconds}s`, '--timeout', '5s', '-s', o.script, o.url]
  const [command, argv] = o.cpus === null ? ['wrk', args] : ['taskset', ['-c', o.cpus, 'wrk', ...args]]
  return new Promise((resolve, reject) => {
    const child = execFile(command, argv, { timeout: (o.seconds + 30) * 1000, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      const line = stdout.split('\n').find((l) => l.startsWith(MARK))
      if (error || line === undefined) return reject(new Error(`wrk failed: ${error?.message ?? ''} ${stderr.trim()} ${stdout.trim()}`))
      const raw = JSON.parse(line.slice(MARK.length)) as {
        requests: number
        durationUs: number
        bytes: number
        errors: WrkResult['errors']
        latencyUs: Record<'p50' | 'p90' | 'p99' | 'max' | 'mean', number>
      }
      const seconds = raw.durationUs / 1e6
      const ms = (us: number) => us / 1000
      resolve({
        requests: raw.requests,
        seconds,
        requestsPerSecond: raw.requests / seconds,
        bytes: raw.bytes,
        errors: raw.errors,
        latencyMs: {
          p50: ms(raw.latencyUs.p50),
          p90: ms(raw.latencyUs.p90),
          p99: ms(raw.latencyUs.p99),
          max: ms(raw.latencyUs.max),
          mean: ms(raw.latencyUs.mean),
        },
      })
    })
    if (child.pid !== undefined) o.onSpawn?.(child.pid)
  })
}
