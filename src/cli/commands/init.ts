/**
 * @module `keel init [dir]`
 */
import type { Command } from 'commander'
import { redactUrl } from '../../core/urls.js'
import { initProject } from '../../init.js'
import type { CommandContext } from '../context.js'
import { paint, toJson } from '../output.js'

export function registerInit(program: Command, context: (cmd: Command) => CommandContext): void {
  program
    .command('init')
    .description('create a Keel project: keel.config.ts, .keel/, .gitignore, package.json and an example')
    .argument('[dir]', 'directory to create the project in', '.')
    .option('--name <name>', "project name (default: the directory's name)")
    .option('--json', 'print the result as JSON')
    .action(async (dir: string, opts: { name?: string }, cmd: Command) => {
      const { output } = context(cmd)
      const result = await initProject(dir, opts.name === undefined ? {} : { name: opts.name })
      if (output.json) return output.out(toJson({ ...result, metadataUrl: redactUrl(result.metadataUrl) }))
      const lines = [
        `${paint(output, 'green', '✔')} Keel project "${result.name}" in ${result.root}`,
        ...result.created.map((f) => `  created ${f}`),
        ...(result.linked ? ['  linked  node_modules/keel → this Keel'] : []),
        `  metadata  ${redactUrl(result.metadataUrl)}`,
        `  artifacts ${result.artifactsUrl}`,
        '',
        'Next:',
        `  cd ${dir}`,
        '  npx keel exec examples/track.ts   # a tracked training run',
        '  npx keel runs list',
      ]
      output.out(lines.join('\n'))
    })
}
