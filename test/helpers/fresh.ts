import { afterEach, it } from 'vitest'

/**
 * Wraps a factory so that everything it opened in a test is disposed after
 * that test. Call inside a `describe`.
 */
export function disposedAfterEach<T extends { readonly dispose: () => Promise<void> }>(open: () => Promise<T>): () => Promise<T> {
  const opened: T[] = []
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((o) => o.dispose()))
  })
  return async () => {
    const o = await open()
    opened.push(o)
    return o
  }
}

/** A case a backend may opt out of, with the reason shown in the test name. */
export interface Skip {
  readonly test: string
  readonly reason: string
}

/** `it`, except for the cases a backend opted out of, which show as skipped with their reason. */
export function skippable(skip: readonly Skip[]): (title: string, fn: () => Promise<void>) => void {
  return (title, fn) => {
    const skipped = skip.find((s) => s.test === title)
    if (skipped) it.skip(`${title} (skipped: ${skipped.reason})`, fn)
    else it(title, fn)
  }
}
