import { afterEach } from 'vitest'

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
