import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A webhook endpoint on 127.0.0.1 that keeps every JSON body it receives, in order. */
export interface WebhookReceiver {
  readonly bodies: Record<string, unknown>[]
  /** Starts listening on a free port; returns the URL of `path` on it. */
  listen(path: string): Promise<string>
  close(): void
}

export function webhookReceiver(): WebhookReceiver {
  const bodies: Record<string, unknown>[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => {
      body += c.toString()
    })
    req.on('end', () => {
      bodies.push(JSON.parse(body) as Record<string, unknown>)
      res.end()
    })
  })
  return {
    bodies,
    listen: async (path) => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`
    },
    close: () => server.close(),
  }
}
