/**
 * @module `keel exec <file>`: run a TypeScript or JavaScript file with Keel's
 * TypeScript loader, so project scripts need no build step.
 */
import { spawn } from 'node:child_process'
import type { Command } from 'commander'
import { KeelError } from '../../core/errors.js'
import type { CommandContext } from '../context.js'

export function registerExec(program: Command, context: (cmd: Command) => CommandContext): void {
  program
    .command('exec')
    .description('run a TypeScript/JavaScript file (e.g. a training script) with the selected environment')
    .argument('<file>', 'script to run')
    .argument('[args...]', 'arguments passed to the script')
    .option('--json', 'after the script, print a JSON summary line (file, exit code, duration) on stderr')
    .allowUnknownOption()
    .action(async (file: string, args: string[], _opts: unknown, cmd: Command) => {
      const { globals, output } = context(cmd)
      const started = Date.now()
      const loader = import.meta.resolve('tsx/esm')
      const env = { ...process.env, ...(globals.env === undefined ? {} : { KEEL_ENV: globals.env }) }
      const code = await new Promise<number>((resolveCode, reject) => {
        const child = spawn(process.execPath, ['--import', loader, file, ...args], { stdio: 'inherit', env })
        child.on('error', (error) => reject(new KeelError('CLI_USAGE', `cannot run ${file}: ${error.message}`)))
        child.on('exit', (exitCode, signal) => resolveCode(exitCode ?? (signal ? 128 : 1)))
      })
      if (output.json) output.err(JSON.stringify({ file, exitCode: code, durationMs: Date.now() - started }))
      process.exitCode = code
    })
}
