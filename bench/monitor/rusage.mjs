/**
 * @module Preloaded into `keel monitor run` (`node --import`) by the drift benchmark: at exit,
 * writes the process's own resource usage (peak RSS, CPU time) to $KEEL_BENCH_RUSAGE.
 */
import { writeFileSync } from 'node:fs'

const out = process.env.KEEL_BENCH_RUSAGE
if (out) process.on('exit', () => writeFileSync(out, JSON.stringify(process.resourceUsage())))
