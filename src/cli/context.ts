/**
 * @module What every command receives: parsed global options, output, and a
 * way to open the project once.
 */
import type { Project } from '../project.js'
import { openProject } from '../project.js'
import type { Output } from './output.js'

export interface GlobalOptions {
  readonly project?: string
  readonly env?: string
}

export interface CommandContext {
  readonly output: Output
  readonly globals: GlobalOptions
  /** Opens the project, runs `fn`, and closes the project whatever happens. */
  withProject<T>(fn: (project: Project) => Promise<T>): Promise<T>
}

export function commandContext(output: Output, globals: GlobalOptions): CommandContext {
  return {
    output,
    globals,
    async withProject(fn) {
      const project = await openProject(globals.project ?? process.cwd(), {
        ...(globals.env === undefined ? {} : { env: globals.env }),
        search: globals.project === undefined,
      })
      try {
        return await fn(project)
      } finally {
        await project.close()
      }
    },
  }
}
