/** @module The built-in `hashPii` component: personal data replaced by salted hashes. */
import { z } from 'zod'
import { ident, type Sql, sql } from '../../sql.js'
import { columnList, paramsError, project, requireColumns } from '../columns.js'
import { defineComponent } from '../define.js'

/**
 * Replaces values by the hex sha256 of salt + value (as text), so that equal values still
 * join and count alike but cannot be read back. The salt comes from the environment variable
 * `saltFromEnv`; without one the step fails rather than hash unsalted (a dictionary attack
 * would undo an unsalted hash of an e-mail address). Missing values stay missing.
 *
 * @example
 * ```ts
 * hashPii({ columns: ['email', 'phone'], saltFromEnv: 'PII_SALT' })
 * ```
 */
export const hashPii = defineComponent({
  kind: 'sql',
  name: 'hashPii',
  description: 'Replaces personal data by a salted sha256 (salt from an environment variable).',
  params: z.strictObject({
    columns: columnList,
    saltFromEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the name of an environment variable, such as "PII_SALT"'),
  }),
  build(params, input, context) {
    const columns = requireColumns('hashPii', params.columns, context)
    const salt = context.secret(params.saltFromEnv)
    if (salt === undefined || salt === '')
      throw paramsError(
        'hashPii',
        `the salt variable ${params.saltFromEnv} is not set; set it to a long random string (and keep it: other salts give other hashes)`,
      )
    const replace = new Map<string, Sql>(columns.map((c) => [c.name, sql`sha256(${salt} || CAST(${ident(c.name)} AS VARCHAR))`]))
    return sql`SELECT ${project(context, replace)} FROM ${input}`
  },
})
