/**
 * @module How a declaration in keel.config.ts that fails its schema is named in an error: the
 * first problem zod found, with the path of the field.
 */
import type { z } from 'zod'

/** "`path.to.field` message" for the first issue (the message alone when it is about the whole value). */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]
  const where = issue === undefined || issue.path.length === 0 ? '' : `\`${issue.path.join('.')}\` `
  return `${where}${issue?.message ?? 'is invalid'}`
}
