/**
 * @module The `keel` command line: global options, command groups, and one
 * place where errors become a message and an exit code.
 */
import { Command, CommanderError } from 'commander'
import { KeelError } from '../core/errors.js'
import { keelVersion } from '../core/version.js'
import { registerBatch } from './commands/batch.js'
import { registerConfig } from './commands/config.js'
import { registerContract } from './commands/contract.js'
import { registerData } from './commands/data.js'
import { registerExec } from './commands/exec.js'
import { registerFeatures } from './commands/features.js'
import { registerFeaturesOnline } from './commands/features-online.js'
import { registerGc } from './commands/gc.js'
import { registerInit } from './commands/init.js'
import { registerLineage, registerModels } from './commands/models.js'
import { registerMonitor } from './commands/monitor.js'
import { registerQuickstart } from './commands/quickstart.js'
import { registerRuns } from './commands/runs.js'
import { registerScheduler } from './commands/scheduler.js'
import { registerServe } from './commands/serve.js'
import { registerTrain } from './commands/train.js'
import { type CommandContext, commandContext } from './context.js'
import { reportError, terminalOutput } from './output.js'

/** Builds the program; exported for in-process tests. */
export function buildProgram(): Command {
  const program = new Command('keel')
    .description('Keel: production machine learning for TypeScript — data, training, tracking, registry, serving, monitoring')
    .version(keelVersion(), '-v, --version')
    .option('-C, --project <dir>', 'project directory (default: the nearest one holding keel.config.ts)')
    .option('-e, --env <name>', 'environment from keel.config.ts (default: $KEEL_ENV or development)')
    .exitOverride()
    .configureOutput({ outputError: () => undefined })
  const context = (cmd: Command): CommandContext => {
    const opts = cmd.optsWithGlobals<{ json?: boolean; project?: string; env?: string }>()
    return commandContext(terminalOutput(opts.json === true), {
      ...(opts.project === undefined ? {} : { project: opts.project }),
      ...(opts.env === undefined ? {} : { env: opts.env }),
    })
  }
  registerQuickstart(program, context)
  registerInit(program, context)
  registerRuns(program, context)
  registerConfig(program, context)
  registerExec(program, context)
  registerData(program, context)
  registerContract(program, context)
  registerFeaturesOnline(registerFeatures(program, context), context)
  registerTrain(program, context)
  registerServe(program, context)
  registerBatch(program, context)
  registerScheduler(program, context)
  registerMonitor(program, context)
  registerModels(program, context)
  registerLineage(program, context)
  registerGc(program, context)
  for (const cmd of program.commands) cmd.exitOverride().configureOutput({ outputError: () => undefined })
  for (const cmd of program.commands.flatMap((c) => c.commands)) cmd.exitOverride().configureOutput({ outputError: () => undefined })
  return program
}

/** Runs the CLI and returns the exit code. */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  const json = argv.includes('--json')
  try {
    await buildProgram().parseAsync([...argv])
    return typeof process.exitCode === 'number' ? process.exitCode : 0
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0
      const message = error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ')
      return reportError(terminalOutput(json), new KeelError('CLI_USAGE', message))
    }
    return reportError(terminalOutput(json), error)
  }
}
