/**
 * @module How busy the machine was during a measurement (Linux /proc): per-CPU busy share and
 * the server process's own CPU time, so load from other work on a shared machine shows up in
 * the report instead of silently in the numbers.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'

const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

export interface CpuUse {
  readonly seconds: number
  /** Busy share of each CPU, 0–1 (user, system and steal time; interrupts not counted). */
  readonly busy: readonly number[]
  /** The server process's CPU use, in cores (1 = one core all the time). */
  readonly server: number
  /** The load generator's, in cores (sampled every 200 ms, so its last moments are missed). */
  readonly load: number
  /** Everything else on the machine, in cores: other people's work on a shared machine. */
  readonly other: number
}

/** What the machine did during a measurement, and whether it was quiet before. */
export interface Contention extends CpuUse {
  readonly quietBefore: boolean
}

/** Busy and total ticks of each CPU. */
function cpuTicks(): [number, number][] {
  if (!existsSync('/proc/stat')) return []
  const out: [number, number][] = []
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    if (!/^cpu\d+ /.test(line)) continue
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number) as number[]
    // interrupts are left out of busy: loopback traffic is handled in softirq, and it is ours
    const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (steal ?? 0)
    out.push([busy, busy + (idle ?? 0) + (iowait ?? 0) + (irq ?? 0) + (softirq ?? 0)])
  }
  return out
}

/** A process's user + system ticks, or undefined once it has gone. */
function processTicks(pid: number): number | undefined {
  try {
    // after the command name (which may hold spaces): utime and stime are the 12th and 13th fields
    const rest = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    return Number(rest[11] ?? 0) + Number(rest[12] ?? 0)
  } catch {
    return undefined
  }
}

export interface CpuWatch {
  /** Counts a load-generator process (started after the watch) as load, not as other work. */
  addLoad(pid: number): void
  stop(): CpuUse
}

/**
 * Starts watching the CPUs, the server process and any load generators added.
 *
 * @example
 * ```ts
 * const watch = watchCpu(server.pid)
 * await runWrk({ …, onSpawn: (pid) => watch.addLoad(pid) })
 * const use = watch.stop() // { busy: [0.98, 1], server: 0.99, load: 0.9, other: 0.05, … }
 * ```
 */
export function watchCpu(serverPid: number | null): CpuWatch {
  const at = performance.now()
  const cpus = cpuTicks()
  const server = serverPid === null ? 0 : (processTicks(serverPid) ?? 0)
  const load = new Map<number, number>()
  const sample = () => {
    for (const pid of load.keys()) load.set(pid, processTicks(pid) ?? (load.get(pid) as number))
  }
  const timer = setInterval(sample, 200)
  return {
    addLoad(pid) {
      load.set(pid, processTicks(pid) ?? 0)
    },
    stop() {
      clearInterval(timer)
      sample()
      const seconds = (performance.now() - at) / 1000
      const busy = cpuTicks().map(([b, t], i) => {
        const [b0, t0] = cpus[i] ?? [0, 0]
        return t - t0 === 0 ? 0 : (b - b0) / (t - t0)
      })
      const cores = (ticks: number) => ticks / TICKS / seconds
      const serverUse = serverPid === null ? 0 : cores((processTicks(serverPid) ?? server) - server)
      const loadUse = cores([...load.values()].reduce((a, b) => a + b, 0))
      const total = busy.reduce((a, b) => a + b, 0)
      return { seconds, busy, server: serverUse, load: loadUse, other: Math.max(0, total - serverUse - loadUse) }
    },
  }
}

/**
 * Waits until the machine is nearly idle (every CPU under `threshold` busy over one second), at
 * most `maxMs`; returns the busy shares it last saw and whether it got quiet.
 */
export async function waitForQuiet(
  threshold: number,
  maxMs: number,
  onWait: (busy: readonly number[]) => void,
): Promise<{ quiet: boolean; busy: readonly number[] }> {
  const deadline = performance.now() + maxMs
  for (;;) {
    const watch = watchCpu(null)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const { busy } = watch.stop()
    if (busy.every((b) => b < threshold)) return { quiet: true, busy }
    if (performance.now() > deadline) return { quiet: false, busy }
    onWait(busy)
    await new Promise((resolve) => setTimeout(resolve, 4000))
  }
}
