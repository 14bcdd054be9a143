/**
 * Renders docs/errors.md from the ERRORS table. `npm run docs:errors` writes
 * it; test/core/errors.test.ts fails when the file is stale.
 */
import { writeFileSync } from 'node:fs'
import { ERRORS } from '../src/core/errors.js'

export function renderErrorsDoc(): string {
  const rows = Object.entries(ERRORS).map(
    ([code, spec]) => `| \`${code}\` | ${spec.status} | ${spec.exit} | ${spec.retryable ? 'yes' : 'no'} | ${spec.hint.replace(/\|/g, '\\|')} |`,
  )
  return [
    '# Errors',
    '',
    'Every error Keel raises is a `KeelError` with a stable `code`, a message and a hint.',
    'Branch on the code, never on the message. The CLI prints one line, `error CODE: message. hint`,',
    '(with `--json`: `{"error":{"code","message","hint"}}` on stderr) and exits with the code below;',
    'set `KEEL_DEBUG=1` to also print the stack trace. Servers answer with the HTTP status below.',
    '',
    'This file is generated from `src/core/errors.ts` by `npm run docs:errors`; a test keeps them in sync.',
    '',
    '| code | HTTP status | exit code | retryable | what to do |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n')
}

if (process.argv[1]?.endsWith('errors-doc.ts')) {
  writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorsDoc())
}
