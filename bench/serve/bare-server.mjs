/**
 * @module Child process: the floor. A bare Fastify 5 server whose predict route (the same path
 * pattern as Keel's) parses the JSON body and returns a constant object, serialized per request
 * as Keel's answer is. Run by plain `node`, like Keel's server. Prints `{"url": …}` once it
 * listens; exits on SIGTERM.
 *
 * `node bench/serve/bare-server.mjs '<constant JSON>'`
 */
import Fastify from 'fastify'

const constant = JSON.parse(process.argv[2] ?? '{"predictions":[0]}')
const app = Fastify({ logger: false })
app.post('/v1/models/:name(^[^:/]+)::predict', async () => constant)
const url = await app.listen({ host: '127.0.0.1', port: 0 })
process.stdout.write(`${JSON.stringify({ url, pid: process.pid })}\n`)

process.on('SIGTERM', () => {
  void app.close().then(() => {
    process.stdout.write(`${JSON.stringify({ rssMB: Math.round(process.memoryUsage().rss / 2 ** 20) })}\n`)
    process.exit(0)
  })
})
