/**
 * @module `keel serve`: one Fastify server for every deployment in the config. Predict in the
 * KServe v1 shape and the Open Inference Protocol (v2), feedback, Prometheus metrics, health,
 * an OpenAPI document; inputs checked against the model signature; a prediction log written
 * off the request path; versions hot-swapped after a smoke prediction.
 */
import { isIP } from 'node:net'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { KeelError } from '../core/errors.js'
import type { Project } from '../project.js'
import { type DeliveryOutcome, type DispatcherOptions, WebhookDispatcher } from './actions.js'
import { answering, omit } from './answering.js'
import { allows, RateLimiter, type Role, TokenCache } from './auth.js'
import { deploymentsFrom } from './deployment.js'
import { ServingFeatures } from './features.js'
import { feedbackItems } from './feedback.js'
import { HttpError } from './http-error.js'
import { LabelCache, type ServeMetrics, serveMetrics } from './metrics.js'
import { openApiDocument } from './openapi.js'
import { PredictionLog } from './prediction-log.js'
import type { PredictorFactory } from './predictor.js'
import { v2Answers, v2Instances, v2Outputs, v2Type } from './protocol-v2.js'
import { DeploymentRuntime, type LoadedVersion, type RuntimeEvent, VersionLoader } from './runtime.js'

export interface ServeOptions {
  /** Default 127.0.0.1. Any other address requires API tokens. */
  readonly host?: string
  /** Default 8080; 0 picks a free port. */
  readonly port?: number
  /** Require API tokens even on the loopback address. */
  readonly auth?: boolean
  /** How often aliases and routing are re-read (default 2000 ms). */
  readonly pollMs?: number
  /** Builds what answers for a loaded version (default: the native model in this process). */
  readonly predictor?: PredictorFactory
  /** Told about swaps, refusals, log write failures and webhook deliveries. */
  readonly onEvent?: (event: ServeEvent) => void
  /** Webhook retries (tests shorten the backoff). */
  readonly webhooks?: DispatcherOptions
  /** Prediction log batching (tests shorten it). */
  readonly logFlushMs?: number
  /**
   * How long a token's lookup is trusted (default 1000 ms): a revoked token stops working within
   * this time; 0 looks every request's token up in the metadata store.
   */
  readonly tokenCacheMs?: number
  /** The clock online feature TTLs are checked against (default `Date.now`; tests control it). */
  readonly now?: () => number
}

export type ServeEvent =
  | RuntimeEvent
  | { readonly kind: 'log-error'; readonly message: string }
  | {
      readonly kind: 'webhook'
      readonly deployment: string
      readonly url: string
      readonly outcome: DeliveryOutcome
      readonly attempts: number
      readonly detail: string
    }

export interface KeelServer {
  readonly app: FastifyInstance
  readonly url: string
  readonly runtimes: ReadonlyMap<string, DeploymentRuntime>
  readonly log: PredictionLog
  readonly metrics: ServeMetrics
  /** Re-reads aliases and routing now (the server also does so every `pollMs`). */
  refresh(): Promise<void>
  /** Stops accepting, lets requests in flight finish, writes the rest of the prediction log. */
  close(): Promise<void>
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])

/**
 * Starts the server for every deployment in the project's config.
 *
 * @example
 * ```ts
 * const server = await serve(await openProject('.'), { port: 8080 })
 * // POST http://127.0.0.1:8080/v1/models/churn:predict {"instances":[{…}]}
 * await server.close()
 * ```
 */
export async function serve(project: Project, options: ServeOptions = {}): Promise<KeelServer> {
  const host = options.host ?? '127.0.0.1'
  const requireAuth = options.auth === true || !LOOPBACK.has(host)
  if (requireAuth && (await project.metadata.listTokens()).every((t) => t.revokedAt !== null)) {
    throw new KeelError('SERVE_AUTH_REQUIRED', `serving on ${host} needs API tokens, and none exists`, {
      hint: 'Create one with `keel tokens create --role predict` (and one with --role admin for reloads), or bind 127.0.0.1.',
    })
  }
  const specs = deploymentsFrom(project.config.deployments)
  if (specs.length === 0) {
    throw new KeelError('DEPLOYMENT_INVALID', 'keel.config.ts declares no deployments', {
      hint: "Add one: deployments: { churn: deployment({ model: 'churn' }) } (docs/serving.md).",
    })
  }
  const events = options.onEvent ?? (() => undefined)
  const log = new PredictionLog(project.metadata, {
    ...(options.logFlushMs === undefined ? {} : { flushMs: options.logFlushMs }),
    onError: (error) => events({ kind: 'log-error', message: (error as Error).message }),
  })
  const metrics = serveMetrics(() => log.depth)
  const webhooks = new WebhookDispatcher({
    ...options.webhooks,
    onOutcome: (delivery, outcome, attempts, detail) => {
      metrics.actions.inc({ deployment: delivery.deployment, outcome })
      events({ kind: 'webhook', deployment: delivery.deployment, url: delivery.url, outcome, attempts, detail })
    },
  })
  const loader = new VersionLoader(project.registry, options.predictor)
  const onRuntimeEvent = (event: RuntimeEvent) => {
    metrics.swaps.inc({ deployment: event.deployment, alias: event.alias, outcome: event.kind })
    events(event)
  }
  const features = new ServingFeatures({
    open: () => project.online(),
    registry: project.registry,
    metadata: project.metadata,
    featureViews: project.config.featureViews,
    metrics: metrics.registry,
    ...(options.now === undefined ? {} : { now: options.now }),
  })
  const runtimes = new Map(
    specs.map((spec) => [
      spec.name,
      new DeploymentRuntime(spec, loader, project.metadata, onRuntimeEvent, (model, version) => features.prepare(spec, model, version)),
    ]),
  )
  const answers = answering({ metrics, features, log, webhooks, onError: (message) => events({ kind: 'log-error', message }) })
  let refreshing: Promise<void> = Promise.resolve()
  const refresh = () => {
    refreshing = refreshing.then(async () => {
      for (const runtime of runtimes.values()) await runtime.refresh()
      loader.retain(new Set([...runtimes.values()].flatMap((r) => r.keys())))
    })
    return refreshing
  }
  await refresh()

  const limiters = new Map(specs.filter((s) => s.requestsPerMinute !== null).map((s) => [s.name, new RateLimiter(s.requestsPerMinute as number)]))
  const app = Fastify({ bodyLimit: Math.max(...specs.map((s) => s.maxBodyBytes)), logger: false, return503OnClosing: true })

  const runtimeFor = (name: string): DeploymentRuntime => {
    const runtime = runtimes.get(name)
    if (!runtime) throw new HttpError(404, 'DEPLOYMENT_NOT_FOUND', `no deployment named ${JSON.stringify(name)} (serving: ${[...runtimes.keys()].join(', ')})`)
    return runtime
  }

  const tokens = new TokenCache(project.metadata, options.tokenCacheMs ?? 1000)
  /** Counts a request under `key` (a token id or the client address) against the deployment's limit. */
  const limit = (key: string, deployment?: string) => {
    const limiter = deployment === undefined ? undefined : limiters.get(deployment)
    const verdict = limiter?.take(key)
    if (verdict && !verdict.ok) throw new HttpError(429, 'RATE_LIMITED', 'too many requests', { retryAfterSeconds: verdict.retryAfterSeconds })
  }
  const authenticated = async (request: FastifyRequest, need: Role, deployment?: string) => {
    const token = await tokens.authenticate(request.headers.authorization)
    if (!token) throw new HttpError(401, 'SERVE_AUTH_REQUIRED', 'a valid API token is required: Authorization: Bearer <token>')
    if (!allows(token.role, need)) throw new HttpError(403, 'SERVE_FORBIDDEN', `this route needs the ${need} role; the token has ${token.role}`)
    limit(token.id, deployment)
  }
  /**
   * Authenticates (when tokens are required) and rate-limits. Without tokens there is nothing
   * to wait for, so it returns no promise and the predict routes skip an await.
   */
  const guard = (request: FastifyRequest, need: Role, deployment?: string): Promise<void> | undefined => {
    if (requireAuth) return authenticated(request, need, deployment)
    if (deployment !== undefined && limiters.has(deployment)) limit(request.ip, deployment)
    return undefined
  }

  const respondError = (reply: FastifyReply, error: unknown) => {
    if (error instanceof HttpError) {
      if (error.status === 429) void reply.header('retry-after', String(error.extra.retryAfterSeconds))
      return reply.code(error.status).send({ error: { code: error.code, message: error.message, ...error.extra } })
    }
    const e = error as { statusCode?: number; code?: string; message?: string }
    // Fastify's own client errors (bad JSON, body too large, wrong content type) keep their 4xx
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      return reply.code(e.statusCode).send({ error: { code: e.code ?? 'BAD_REQUEST', message: e.message ?? 'bad request' } })
    }
    return reply.code(500).send({ error: { code: 'INTERNAL', message: 'internal error' } })
  }
  app.setErrorHandler((error, _request, reply) => respondError(reply, error))
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url}` } }))

  // metric cells are looked up once per label combination and counted in plain numbers until a scrape
  const requestChildren = new LabelCache((runtime: DeploymentRuntime, version: number | null, route: string, status: number) => {
    const labels = { deployment: runtime.name, model: runtime.spec.model, version: version === null ? '' : String(version), route }
    return { requests: metrics.countCell(metrics.requests, { ...labels, status: String(status) }), latency: metrics.observeCell(metrics.latency, labels) }
  })
  const record = (runtime: DeploymentRuntime, route: string, loaded: LoadedVersion | undefined, status: number, seconds: number) => {
    const child = requestChildren.get(runtime, loaded ? loaded.version : null, route, status)
    child.requests.n++
    child.latency.observe(seconds)
  }
  app.get('/healthz', async () => ({ status: 'ok' }))
  app.get('/v2/health/live', async () => ({ live: true }))
  const readiness = () => [...runtimes.values()].map((r) => ({ deployment: r.name, ready: r.ready, serving: servingOf(r) }))
  app.get('/readyz', async (_request, reply) => {
    const state = readiness()
    return reply.code(state.every((s) => s.ready) ? 200 : 503).send({ ready: state.every((s) => s.ready), deployments: state })
  })
  app.get('/v2/health/ready', async (_request, reply) => {
    const ready = [...runtimes.values()].every((r) => r.ready)
    return reply.code(ready ? 200 : 503).send({ ready })
  })

  app.get('/metrics', async (request, reply) => {
    if (requireAuth) await guard(request, 'predict')
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics())
  })

  app.get('/openapi.json', async () => openApiDocument([...runtimes.values()]))

  app.post<{ Params: { name: string } }>('/v1/models/:name(^[^:/]+)::predict', async (request, reply) => {
    const started = performance.now()
    const runtime = runtimeFor(request.params.name)
    let loaded: LoadedVersion | undefined
    try {
      const guarded = guard(request, 'predict', runtime.name)
      if (guarded !== undefined) await guarded
      const body = request.body
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        throw new HttpError(400, 'INVALID_INPUT', 'the body must be a JSON object: {"instances": [...]} or one instance')
      const b = body as Record<string, unknown>
      const instances = Object.hasOwn(b, 'instances') ? b.instances : [omit(b, 'key')]
      if (!Array.isArray(instances)) throw new HttpError(400, 'INVALID_INPUT', '`instances` must be an array of objects')
      const result = await answers.predict(runtime, instances, stickyKey(runtime, request, b, instances))
      loaded = result.loaded
      record(runtime, 'v1.predict', loaded, 200, (performance.now() - started) / 1000)
      return {
        predictions: result.answers,
        ids: result.ids,
        model: result.model,
        ...(result.fallback ? fallbackFields(result.fallbacks) : {}),
        ...(result.features === undefined ? {} : { features: result.features }),
      }
    } catch (error) {
      record(runtime, 'v1.predict', loaded, error instanceof HttpError ? error.status : 500, (performance.now() - started) / 1000)
      return respondError(reply, error)
    }
  })

  app.get<{ Params: { name: string } }>('/v2/models/:name', async (request) => {
    const runtime = runtimeFor(request.params.name)
    await guard(request, 'predict')
    const primary = runtime.choose('metadata')?.loaded
    return {
      name: runtime.name,
      versions: [...new Set([...runtime.serving.values()].map((v) => String(v.version)))],
      platform: 'keel',
      inputs: (primary?.signature.inputs ?? []).map((i) => ({ name: i.name, datatype: v2Type(i.kind), shape: [-1] })),
      outputs: primary ? v2Outputs(primary) : [],
    }
  })

  app.get<{ Params: { name: string } }>('/v2/models/:name/ready', async (request, reply) => {
    const runtime = runtimeFor(request.params.name)
    return reply.code(runtime.ready ? 200 : 503).send({ name: runtime.name, ready: runtime.ready })
  })

  app.post<{ Params: { name: string } }>('/v2/models/:name/infer', async (request, reply) => {
    const started = performance.now()
    const runtime = runtimeFor(request.params.name)
    let loaded: LoadedVersion | undefined
    try {
      const guarded = guard(request, 'predict', runtime.name)
      if (guarded !== undefined) await guarded
      const body = request.body as { id?: unknown; inputs?: unknown; parameters?: Record<string, unknown> } | null
      const instances = v2Instances(body)
      const key = typeof body?.parameters?.key === 'string' ? body.parameters.key : stickyKey(runtime, request, {}, instances)
      const result = await answers.predict(runtime, instances, key)
      loaded = result.loaded
      record(runtime, 'v2.infer', loaded, 200, (performance.now() - started) / 1000)
      return {
        model_name: runtime.name,
        model_version: String(result.model.version),
        ...(typeof body?.id === 'string' ? { id: body.id } : {}),
        parameters: {
          ids: result.ids,
          alias: result.model.alias,
          ...(result.fallback ? fallbackFields(result.fallbacks) : {}),
          ...(result.features === undefined ? {} : { features: result.features }),
        },
        outputs: v2Answers(result.answers),
      }
    } catch (error) {
      record(runtime, 'v2.infer', loaded, error instanceof HttpError ? error.status : 500, (performance.now() - started) / 1000)
      return respondError(reply, error)
    }
  })

  app.post('/v1/feedback', async (request, reply) => {
    try {
      await guard(request, 'predict')
      const items = feedbackItems(request.body)
      // predictions still waiting to be logged, or in the log buffer, must be found
      answers.drain()
      await log.flush()
      const result = await project.metadata.recordFeedback(items.map((f) => ({ predictionId: f.id, label: JSON.stringify(f.label), at: Date.now() })))
      return reply.code(result.recorded === 0 ? 404 : 200).send({ recorded: result.recorded, unknown: result.unknown })
    } catch (error) {
      return respondError(reply, error)
    }
  })

  app.post('/admin/reload', async (request, reply) => {
    try {
      await guard(request, 'admin')
      await refresh()
      return { deployments: readiness() }
    } catch (error) {
      return respondError(reply, error)
    }
  })

  app.get('/admin/deployments', async (request, reply) => {
    try {
      await guard(request, 'admin')
      return {
        deployments: [...runtimes.values()].map((r) => ({
          deployment: r.name,
          model: r.spec.model,
          traffic: r.traffic,
          ready: r.ready,
          serving: servingOf(r),
        })),
      }
    } catch (error) {
      return respondError(reply, error)
    }
  })

  const address = await app.listen({ host, port: options.port ?? 8080 })
  const timer = setInterval(() => void refresh().catch(() => undefined), options.pollMs ?? 2000)
  timer.unref()
  let closing: Promise<void> | undefined
  return {
    app,
    url: isIP(host) === 6 ? address : address.replace('0.0.0.0', '127.0.0.1'),
    runtimes,
    log,
    metrics,
    refresh,
    close() {
      closing ??= (async () => {
        clearInterval(timer)
        await app.close()
        // shadows and logging run after each answer; let the last of them append
        answers.drain()
        await new Promise((resolve) => setImmediate(resolve))
        await refreshing.catch(() => undefined)
        await log.close()
        await webhooks.close()
      })()
      return closing
    },
  }
}

/** `fallback: true` when the fallback answered, and the instances it answered when it answered only some. */
function fallbackFields(fallbacks: readonly number[] | null): { fallback: true; fallbacks?: readonly number[] } {
  return fallbacks === null ? { fallback: true } : { fallback: true, fallbacks }
}

function servingOf(r: DeploymentRuntime): Record<string, number> {
  return Object.fromEntries([...r.serving].map(([alias, v]) => [alias, v.version]))
}

/** The sticky key: the request's `key`, an `x-keel-key` header, or the first instance's sticky field. */
function stickyKey(runtime: DeploymentRuntime, request: FastifyRequest, body: Record<string, unknown>, instances: readonly unknown[]): string | null {
  if (typeof body.key === 'string' || typeof body.key === 'number') return String(body.key)
  const header = request.headers['x-keel-key']
  if (typeof header === 'string' && header !== '') return header
  const field = runtime.spec.sticky
  const first = instances[0]
  if (field !== null && typeof first === 'object' && first !== null) {
    const v = (first as Record<string, unknown>)[field]
    if (typeof v === 'string' || typeof v === 'number') return String(v)
  }
  return null
}
