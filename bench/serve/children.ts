/**
 * @module The bench's child processes: each server in its own process (optionally pinned to a
 * CPU with taskset), and the open-loop generator, so no two of them share an event loop.
 */
import { execFile, spawn } from 'node:child_process'
import { join } from 'node:path'
import type { OpenLoopResult } from './open-loop.js'

const HERE = import.meta.dirname
const ROOT = join(HERE, '..', '..')

export interface RunningServer {
  readonly url: string
  readonly pid: number
  /** The next JSON line the server prints. */
  next(): Promise<Record<string, unknown>>
  /** SIGTERM, then the last JSON line the server printed on its way out. */
  stop(): Promise<Record<string, unknown>>
}

export interface ServerOptions {
  /** A `taskset -c` CPU list, or null not to pin. */
  readonly cpus: string | null
  readonly env?: Readonly<Record<string, string>>
}

/** `taskset -c <cpus>` in front of a command, or nothing. */
function pinned(cpus: string | null, command: string, args: readonly string[]): [string, string[]] {
  return cpus === null ? [command, [...args]] : ['taskset', ['-c', cpus, command, ...args]]
}

/**
 * Starts `bench/serve/<script>.mjs` with node in a child process and waits for its `{"url": …}` line.
 *
 * @example
 * ```ts
 * const keel = await startServer('keel-server.mjs', [projectDir], { cpus: '1' })
 * await keel.stop()
 * ```
 */
export async function startServer(script: string, args: readonly string[], options: ServerOptions): Promise<RunningServer> {
  // servers are plain JavaScript run by node itself, as `keel serve` runs (tsx would slow them)
  const [command, argv] = pinned(options.cpus, process.execPath, [join(HERE, script), ...args])
  const child = spawn(command, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...options.env } })
  const lines: string[] = []
  const waiting: (() => void)[] = []
  let consumed = 0
  let buffered = ''
  let exitCode: number | null | undefined
  const exited = new Promise<void>((resolve) =>
    child.on('exit', (code) => {
      exitCode = code
      resolve()
      for (const wake of waiting.splice(0)) wake()
    }),
  )
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk
    const parts = buffered.split('\n')
    buffered = parts.pop() ?? ''
    lines.push(...parts.filter((l) => l.startsWith('{')))
    for (const wake of waiting.splice(0)) wake()
  })
  const next = async (): Promise<Record<string, unknown>> => {
    while (consumed >= lines.length) {
      if (exitCode !== undefined) throw new Error(`${script} exited with ${exitCode}`)
      await new Promise<void>((resolve) => waiting.push(resolve))
    }
    return JSON.parse(lines[consumed++] as string) as Record<string, unknown>
  }
  const { url, pid } = (await next()) as { url: string; pid: number }
  return {
    url,
    pid,
    next,
    async stop() {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
      await exited
      clearTimeout(timer)
      return consumed < lines.length ? (JSON.parse(lines.at(-1) as string) as Record<string, unknown>) : {}
    },
  }
}

/**
 * Runs the open-loop generator against `url` in its own process.
 *
 * @example
 * ```ts
 * const r = await openLoop(url, bodyFile, { rate: 500, seconds: 15, warmup: 2, cpus: '0' }) // r.latencyMs.p99
 * ```
 */
export function openLoop(
  url: string,
  bodyFile: string,
  o: {
    readonly rate: number
    readonly seconds: number
    readonly warmup: number
    readonly cpus: string | null
    readonly onSpawn?: (pid: number) => void
  },
): Promise<OpenLoopResult> {
  const [command, argv] = pinned(o.cpus, process.execPath, [
    '--import',
    'tsx',
    join(HERE, 'open-loop.ts'),
    url,
    bodyFile,
    String(o.rate),
    String(o.seconds),
    String(o.warmup),
  ])
  return new Promise((resolve, reject) => {
    const child = execFile(command, argv, { cwd: ROOT, timeout: (o.seconds + o.warmup + 60) * 1000, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      const last = stdout.trim().split('\n').at(-1) ?? ''
      if (error || !last.startsWith('{')) return reject(new Error(`open-loop failed: ${error?.message ?? ''} ${stderr.trim()}`))
      resolve(JSON.parse(last) as OpenLoopResult)
    })
    if (child.pid !== undefined) o.onSpawn?.(child.pid)
  })
}
