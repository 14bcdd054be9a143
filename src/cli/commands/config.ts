/**
 * @module `keel config`: the resolved configuration for the selected environment.
 */
import type { Command } from 'commander'
import { redactUrl } from '../../core/urls.js'
import { loadResolvedConfig } from '../../project.js'
import type { CommandContext } from '../context.js'
import { toJson } from '../output.js'

export function registerConfig(program: Command, context: (cmd: Command) => CommandContext): void {
  program
    .command('config')
    .description('show the resolved configuration (environment, store URLs with passwords hidden)')
    .option('--json', 'print as JSON')
    .action(async (_opts: unknown, cmd: Command) => {
      const { output, globals } = context(cmd)
      const config = await loadResolvedConfig(globals.project ?? process.cwd(), {
        ...(globals.env === undefined ? {} : { env: globals.env }),
        search: globals.project === undefined,
      })
      const shown = { ...config, metadataUrl: redactUrl(config.metadataUrl), onlineUrl: redactUrl(config.onlineUrl) }
      if (output.json) return output.out(toJson(shown))
      output.out(
        [
          `project      ${shown.name}`,
          `root         ${shown.root}`,
          `config       ${shown.configPath}`,
          `environment  ${shown.env}`,
          `metadata     ${shown.metadataUrl}`,
          `artifacts    ${shown.artifactsUrl}`,
          `online       ${shown.onlineUrl}`,
          `experiment   ${shown.tracking.defaultExperiment} (default)`,
        ].join('\n'),
      )
    })
}
