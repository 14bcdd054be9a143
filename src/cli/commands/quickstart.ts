/**
 * @module `keel quickstart [dir]`: the whole lifecycle on Seattle's weather in one run, printed
 * step by step with its numbers (see src/quickstart/quickstart.ts for the story).
 */
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { KeelError } from '../../core/errors.js'
import { type QuickstartStep, runQuickstart } from '../../quickstart/quickstart.js'
import type { CommandContext } from '../context.js'
import { type Output, paint, toJson } from '../output.js'

type Ctx = (cmd: Command) => CommandContext

export function registerQuickstart(program: Command, context: Ctx): void {
  program
    .command('quickstart')
    .description(
      'create a project on real data (Seattle weather) and run the whole lifecycle: snapshot with a contract, train and select, approve, serve, traffic and feedback, a drift alert that retrains, a canary that is promoted or rolled back (offline, seconds)',
    )
    .argument('[dir]', 'where to create the project (must not hold one yet)', 'keel-quickstart')
    .option('--port <port>', 'port for the server (default: any free port on 127.0.0.1)')
    .option('--json', 'print the steps and their numbers as JSON at the end (no progress)')
    .action(async (dir: string, opts: { port?: string }, cmd: Command) => {
      const out = context(cmd).output
      const port = opts.port === undefined ? 0 : Number(opts.port)
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new KeelError('CLI_USAGE', `--port must be a port number; got ${opts.port}`)
      const root = resolve(dir)
      if (!out.json) out.out(paint(out, 'bold', `Keel quickstart → ${root}\n`))
      const result = await runQuickstart(root, {
        port,
        ...(out.json
          ? {}
          : {
              onStep: (step: QuickstartStep) => out.out(describeStep(out, step)),
              onStart: (_name: string, doing: string) => out.err(paint(out, 'dim', `   … ${doing}`)),
            }),
      })
      if (out.json) out.out(toJson(result))
      else out.out(paint(out, 'bold', `\ndone in ${(result.ms / 1000).toFixed(1)} s`))
    })
}

function describeStep(out: Output, step: QuickstartStep): string {
  const head = `${String(step.step).padStart(2)} ${paint(out, 'cyan', step.name.padEnd(9))} ${step.summary}`
  const seconds = step.ms >= 1000 ? paint(out, 'dim', ` (${(step.ms / 1000).toFixed(1)} s)`) : ''
  return [`${head}${seconds}`, ...step.details.map((d) => paint(out, 'dim', `             ${d}`))].join('\n')
}
