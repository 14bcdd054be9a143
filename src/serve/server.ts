/**
 * @module `keel serve`: one Fastify server for every deployment in the config. Predict in the
 * KServe v1 shape and the Open Inference Protocol (v2), feedback, Prometheus metrics, health,
 * an OpenAPI document; inputs checked against the model signature; a prediction log written
 * off the request path; versions hot-swapped after a smoke prediction.
 */
import { isIP } from 'node:net'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { KeelError } from '../core/errors.js'
import { Frame } from '../core/frame.js'
import { canonicalJson, sha256 } from '../core/hash.js'
import { newId } from '../core/ids.js'
import type { Predictions } from '../learn/model.js'
import type { Project } from '../project.js'
import { type DeliveryOutcome, type DispatcherOptions, WebhookDispatcher } from './actions.js'
import { allows, authenticate, RateLimiter, type Role } from './auth.js'
import { deploymentsFrom } from './deployment.js'
import { type FallbackSplit, interleave, pick, renumber, splitFallbacks } from './fallback.js'
import { featureReport, type JoinedFeatures, ServingFeatures, trainedViews } from './features.js'
import { LabelCache, type ServeMetrics, serveMetrics } from './metrics.js'
import { openApiDocument } from './openapi.js'
import { PredictionLog } from './prediction-log.js'
import { PredictionTimeout, type PredictorFactory, predictWithin } from './predictor.js'
import type { RuleScope } from './rules.js'
import { DeploymentRuntime, type LoadedVersion, type RuntimeEvent, VersionLoader } from './runtime.js'
import { type FieldError, instancesToFrame } from './signature.js'

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

/** One answered instance, as v1 returns it. */
type Answer = number | string | { readonly label: string; readonly probabilities: Readonly<Record<string, number>> }

/** What answered: a model version under an alias (`fallback` for a fallback model). */
type AnsweredBy = { readonly name: string; readonly version: number; readonly alias: string }

/** A request the fallback answered in part: all its answers, in request order, and which the fallback gave. */
interface PartialFallback {
  readonly answers: Answer[]
  readonly fellBack: readonly boolean[]
  readonly fallbacks: readonly number[]
  /** The fallback model; for a constant, the version that answered the rest (as when the fallback answers a whole request). */
  readonly by: AnsweredBy
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message)
  }
}

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
    fail: (status, code, message, extra) => new HttpError(status, code, message, extra),
    ...(options.now === undefined ? {} : { now: options.now }),
  })
  const runtimes = new Map(
    specs.map((spec) => [
      spec.name,
      new DeploymentRuntime(spec, loader, project.metadata, onRuntimeEvent, (model, version) => features.prepare(spec, model, version)),
    ]),
  )
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

  /** Counts a request under `key` (a token id or the client address) against the deployment's limit. */
  const limit = (key: string, deployment?: string) => {
    const limiter = deployment === undefined ? undefined : limiters.get(deployment)
    const verdict = limiter?.take(key)
    if (verdict && !verdict.ok) throw new HttpError(429, 'RATE_LIMITED', 'too many requests', { retryAfterSeconds: verdict.retryAfterSeconds })
  }
  const authenticated = async (request: FastifyRequest, need: Role, deployment?: string) => {
    const token = await authenticate(project.metadata, request.headers.authorization)
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
    limit(request.ip, deployment)
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
  const predictionChildren = new LabelCache((deployment: string, model: string, version: number, alias: string) =>
    metrics.countCell(metrics.predictions, { deployment, model, version: String(version), alias }),
  )
  const countPredictions = (runtime: DeploymentRuntime, by: { name: string; version: number; alias: string }, n: number) => {
    predictionChildren.get(runtime.name, by.name, by.version, by.alias).n += n
  }

  // logging, shadows and actions run after the answer is on its way: one setImmediate per
  // turn of the event loop for all the answers of that turn, not one per request
  let afterAnswers: (() => void)[] = []
  const runAfterAnswers = () => {
    const jobs = afterAnswers
    afterAnswers = []
    for (const job of jobs) {
      // one failing job must not cost the others their log records
      try {
        job()
      } catch (error) {
        events({ kind: 'log-error', message: (error as Error).message })
      }
    }
  }
  const afterAnswer = (job: () => void) => {
    if (afterAnswers.push(job) === 1) setImmediate(runAfterAnswers)
  }

  /** Validates, predicts (or falls back), logs; the heart of both protocols. */
  const predict = async (runtime: DeploymentRuntime, instances: readonly unknown[], key: string | null) => {
    if (instances.length === 0) throw new HttpError(400, 'INVALID_INPUT', 'no instances to predict')
    if (instances.length > runtime.spec.maxInstances) {
      throw new HttpError(
        413,
        'TOO_MANY_INSTANCES',
        `${instances.length} instances is more than this deployment takes per request (${runtime.spec.maxInstances})`,
      )
    }
    const chosen = runtime.choose(key)
    if (!chosen) throw new HttpError(503, 'SERVE_NOT_READY', `deployment ${runtime.name} has no loaded model version yet`)
    const { loaded, alias } = chosen
    const stickyField = runtime.spec.sticky
    const stripped =
      stickyField !== null && !loaded.signature.inputs.some((i) => i.name === stickyField)
        ? instances.map((x) => (typeof x === 'object' && x !== null && !Array.isArray(x) ? omit(x as Record<string, unknown>, stickyField) : x))
        : instances
    // a version trained on feature views gets their online values by entity key (src/serve/features.ts)
    const joined = trainedViews(loaded.record).length === 0 ? null : await features.join(runtime.spec, loaded.record, stripped)
    const inputs = joined?.instances ?? stripped
    // the feature policy may hand some instances, or all, to the fallback; the model answers the others
    const split = joined === null ? null : splitFallbacks(inputs.length, joined.fallbacks)
    const everyFallback = split !== null && split.rows.length === 0
    // the fallback answers without the model's features: nothing to check against its signature
    const built = everyFallback ? { frame: new Frame({}) } : instancesToFrame(split === null ? inputs : pick(inputs, split.rows), loaded.signature.inputs)
    if ('errors' in built) {
      const fields = split === null ? (built.errors as FieldError[]) : renumber(built.errors, split.rows)
      throw new HttpError(400, 'INVALID_INPUT', `${built.count} problem(s) with the instances`, { fields })
    }
    let answers: Answer[]
    let fallback = false
    let answeredBy: AnsweredBy = { name: loaded.name, version: loaded.version, alias }
    const started = performance.now()
    try {
      if (everyFallback) throw joined
      const { predictions } = await predictWithin(loaded.predictor, built.frame, runtime.spec.timeoutMs)
      answers = toAnswers(predictions)
    } catch (error) {
      const reason = error === joined ? 'features' : error instanceof PredictionTimeout ? 'timeout' : 'error'
      if (reason !== 'features') metrics.errors.inc({ deployment: runtime.name, kind: reason })
      const rescued = fallbackAnswers(runtime, reason, joined, stripped, null)
      fallback = true
      answers = rescued.answers
      answeredBy = rescued.by ?? answeredBy
    }
    // the model answered the instances with features; the fallback answers the rest
    const partial = fallback || split === null ? null : answerFallbacks(runtime, joined as JoinedFeatures, split, answers, answeredBy)
    if (partial !== null) {
      answers = partial.answers
      fallback = true
    } else countPredictions(runtime, answeredBy, answers.length)
    const latencyMs = performance.now() - started
    const at = Date.now()
    const ids = answers.map(() => newId(at))
    const notes = joined?.notes ?? null
    const frame = built.frame
    const rows = split === null || everyFallback ? null : split.rows
    afterAnswer(() => afterAnswered(runtime, inputs, frame, rows, answers, ids, at, latencyMs / answers.length, answeredBy, fallback, partial, notes))
    return { answers, ids, fallback, fallbacks: partial === null ? null : partial.fallbacks, model: answeredBy, loaded, features: featureReport(joined) }
  }

  /**
   * The deployment fallback's answers to the instances at `rows` (all when null), counted once
   * for the request under `reason`; `by` is the fallback model, or null for a constant.
   */
  const fallbackAnswers = (
    runtime: DeploymentRuntime,
    reason: 'features' | 'timeout' | 'error',
    joined: JoinedFeatures | null,
    stripped: readonly unknown[],
    rows: readonly number[] | null,
  ): { answers: Answer[]; by: AnsweredBy | null } => {
    const why = reason === 'features' ? 'instance(s) have no online features' : reason === 'timeout' ? 'the model timed out' : 'the model failed'
    const f = runtime.fallback
    if (f === null) throw new HttpError(503, 'MODEL_UNAVAILABLE', `${why} and this deployment has no fallback`)
    metrics.fallbacks.inc({ deployment: runtime.name, reason })
    const n = rows === null ? (joined?.instances ?? stripped).length : rows.length
    if (f.kind === 'value') return { answers: new Array<Answer>(n).fill(f.value), by: null }
    const inputs = f.loaded.signature.inputs
    const again = instancesToFrame(joined ? ServingFeatures.fallbackInstances(joined, inputs, rows) : stripped, inputs)
    if ('errors' in again) throw new HttpError(503, 'MODEL_UNAVAILABLE', `${why} and the fallback model does not take these instances`)
    return { answers: toAnswers(f.loaded.model.predict(again.frame)), by: { name: f.loaded.name, version: f.loaded.version, alias: 'fallback' } }
  }

  /** The request's answers when the model answered `split.rows` with `answers` and the fallback answers the rest. */
  const answerFallbacks = (runtime: DeploymentRuntime, joined: JoinedFeatures, split: FallbackSplit, answers: Answer[], by: AnsweredBy): PartialFallback => {
    const rescued = fallbackAnswers(runtime, 'features', joined, [], split.fallbacks)
    countPredictions(runtime, by, answers.length)
    countPredictions(runtime, rescued.by ?? by, rescued.answers.length)
    return { answers: interleave(split, answers, rescued.answers), fellBack: split.fellBack, fallbacks: split.fallbacks, by: rescued.by ?? by }
  }

  /** After an answer: shadows (when this request is shadowed), decision rules, the prediction log. */
  const afterAnswered = (
    runtime: DeploymentRuntime,
    instances: readonly unknown[],
    frame: Frame,
    rows: readonly number[] | null,
    answers: readonly Answer[],
    ids: readonly string[],
    at: number,
    latencyMs: number,
    by: AnsweredBy,
    fallback: boolean,
    partial: PartialFallback | null,
    notes: readonly string[] | null,
  ) => {
    const logged = (shadows: readonly Record<string, Answer>[] | null) => {
      actOn(runtime, instances, answers, ids, at, by, partial)
      logAnswers(runtime, instances, answers, ids, at, latencyMs, by, fallback, partial, shadows, notes)
    }
    if (runtime.spec.shadow.aliases.length > 0 && Math.random() * 100 < runtime.spec.shadow.percent) {
      void shadowAnswers(runtime, instances, frame, rows, answers).then(logged)
    } else logged(null)
  }

  /**
   * Each shadow alias's answers to the same instances, per instance. `frame` holds the instances
   * at `rows` (all when null): with a partial fallback, only those the model answered.
   */
  const shadowAnswers = async (
    runtime: DeploymentRuntime,
    instances: readonly unknown[],
    frame: Frame,
    rows: readonly number[] | null,
    answers: readonly Answer[],
  ) => {
    const shadows: Record<string, Answer>[] = answers.map(() => ({}))
    for (const alias of runtime.spec.shadow.aliases) {
      const shadow = runtime.serving.get(alias)
      if (!shadow) continue
      try {
        const built = shadow.signature.inputs.every((i) => frame.has(i.name)) ? frame : null
        const rebuilt =
          built ??
          (() => {
            const r = instancesToFrame(rows === null ? instances : pick(instances, rows), shadow.signature.inputs)
            return 'frame' in r ? r.frame : null
          })()
        if (!rebuilt) continue
        const outputs = toAnswers((await predictWithin(shadow.predictor, rebuilt, runtime.spec.timeoutMs)).predictions)
        metrics.shadowPredictions.inc({ deployment: runtime.name, alias }, outputs.length)
        outputs.forEach((o, j) => {
          const i = rows === null ? j : (rows[j] as number)
          ;(shadows[i] as Record<string, Answer>)[alias] = o
          if (!sameAnswer(o, answers[i] as Answer)) metrics.shadowDisagreements.inc({ deployment: runtime.name, alias })
        })
      } catch {
        metrics.errors.inc({ deployment: runtime.name, kind: 'shadow' })
      }
    }
    return shadows
  }

  /** Webhooks of the decision rules the answers match. */
  const actOn = (
    runtime: DeploymentRuntime,
    instances: readonly unknown[],
    answers: readonly Answer[],
    ids: readonly string[],
    at: number,
    by: AnsweredBy,
    partial: PartialFallback | null,
  ) => {
    if (runtime.spec.actions.length === 0) return
    for (const [i, answer] of answers.entries()) {
      for (const action of runtime.spec.actions) {
        if (!action.rule.test(ruleScope(answer, instances[i]))) continue
        const model = partial?.fellBack[i] === true ? partial.by : by
        webhooks.send({
          url: action.webhook,
          deployment: runtime.name,
          payload: { deployment: runtime.name, rule: action.rule.text, predictionId: ids[i], at, model, prediction: answer, input: instances[i] },
        })
      }
    }
  }

  const logAnswers = (
    runtime: DeploymentRuntime,
    instances: readonly unknown[],
    answers: readonly Answer[],
    ids: readonly string[],
    at: number,
    latencyMs: number,
    by: AnsweredBy,
    fallback: boolean,
    partial: PartialFallback | null,
    shadows: readonly Record<string, Answer>[] | null,
    notes: readonly string[] | null,
  ) => {
    if (runtime.spec.sample < 1 && Math.random() >= runtime.spec.sample) return
    const full = runtime.spec.logInputs === 'full'
    for (let i = 0; i < answers.length; i++) {
      const instance = instances[i]
      const shadow = shadows?.[i]
      const text = full ? JSON.stringify(instance) : null
      // with a partial fallback, each instance is logged as answered by the model or by the fallback
      const fellBack = partial === null ? fallback : partial.fellBack[i] === true
      const who = fellBack && partial !== null ? partial.by : by
      log.append({
        id: ids[i] as string,
        deployment: runtime.name,
        model: who.name,
        version: who.version,
        alias: who.alias,
        at,
        inputs: text,
        // instances were checked against one signature, so their key order is the caller's; canonical JSON only where the hash is all that is kept
        inputsHash: sha256(text ?? canonicalJson(instance)),
        output: JSON.stringify(answers[i]),
        latencyMs,
        fallback: fellBack,
        shadow: shadow === undefined || Object.keys(shadow).length === 0 ? null : JSON.stringify(shadow),
        sampleRate: runtime.spec.sample,
        features: notes?.[i] ?? null,
      })
    }
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
      const result = await predict(runtime, instances, stickyKey(runtime, request, b, instances))
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
      const result = await predict(runtime, instances, key)
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
      runAfterAnswers()
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
        runAfterAnswers()
        await new Promise((resolve) => setImmediate(resolve))
        await refreshing.catch(() => undefined)
        await log.close()
        await webhooks.close()
      })()
      return closing
    },
  }
}

function omit(record: Record<string, unknown>, key: string): Record<string, unknown> {
  if (!Object.hasOwn(record, key)) return record
  const { [key]: _, ...rest } = record
  return rest
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

function toAnswers(p: Predictions): Answer[] {
  if (p.task === 'regression') return Array.from(p.values)
  const k = p.classes.length
  const answers: Answer[] = new Array(p.nRows)
  for (let i = 0; i < p.nRows; i++) {
    let best = 0
    const probabilities: Record<string, number> = {}
    for (let c = 0; c < k; c++) {
      const v = p.values[i * k + c] as number
      probabilities[p.classes[c] as string] = v
      if (v > (p.values[i * k + best] as number)) best = c
    }
    answers[i] = { label: p.classes[best] as string, probabilities }
  }
  return answers
}

/** What a decision rule sees of one answer. */
function ruleScope(answer: Answer, instance: unknown): RuleScope {
  const input = typeof instance === 'object' && instance !== null ? (instance as Record<string, unknown>) : {}
  if (typeof answer === 'number') return { value: answer, input }
  if (typeof answer === 'string') return { label: answer, input }
  const probabilities = Object.values(answer.probabilities)
  // binary: the second class (sorted) is the positive one, as in the metrics; multiclass: the top class
  const p = probabilities.length === 2 ? (probabilities[1] as number) : Math.max(...probabilities)
  return { p, label: answer.label, probabilities: answer.probabilities, input }
}

function sameAnswer(a: Answer, b: Answer): boolean {
  if (typeof a === 'object' && typeof b === 'object') return a.label === b.label
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b))
  return a === b
}

function v2Type(kind: string): string {
  return kind === 'category' ? 'BYTES' : kind === 'boolean' ? 'BOOL' : kind === 'timestamp' ? 'INT64' : 'FP64'
}

function v2Outputs(loaded: LoadedVersion): { name: string; datatype: string; shape: number[] }[] {
  return loaded.signature.output.task === 'regression'
    ? [{ name: 'predictions', datatype: 'FP64', shape: [-1] }]
    : [
        { name: 'label', datatype: 'BYTES', shape: [-1] },
        { name: 'probabilities', datatype: 'FP64', shape: [-1, loaded.signature.output.classes.length] },
      ]
}

/** Open Inference Protocol tensors (one per feature, `[n]` or `[n, 1]`) as instances. */
function v2Instances(body: { inputs?: unknown } | null): Record<string, unknown>[] {
  if (typeof body !== 'object' || body === null || !Array.isArray(body.inputs) || body.inputs.length === 0) {
    throw new HttpError(400, 'INVALID_INPUT', 'the body must have `inputs`: a non-empty array of tensors {name, shape, datatype, data}')
  }
  let n: number | undefined
  const columns: [string, unknown[]][] = []
  for (const [i, tensor] of body.inputs.entries()) {
    const t = tensor as { name?: unknown; shape?: unknown; data?: unknown }
    if (typeof t !== 'object' || t === null || typeof t.name !== 'string') throw new HttpError(400, 'INVALID_INPUT', `inputs[${i}] needs a string name`)
    if (
      !Array.isArray(t.shape) ||
      t.shape.length < 1 ||
      t.shape.length > 2 ||
      !t.shape.every((d) => Number.isInteger(d) && d >= 0) ||
      (t.shape.length === 2 && t.shape[1] !== 1)
    ) {
      throw new HttpError(400, 'INVALID_INPUT', `inputs[${i}] (${t.name}): shape must be [n] or [n, 1]`)
    }
    if (!Array.isArray(t.data)) throw new HttpError(400, 'INVALID_INPUT', `inputs[${i}] (${t.name}): data must be an array`)
    const data = (t.data as unknown[]).flat()
    if (data.length !== t.shape[0])
      throw new HttpError(400, 'INVALID_INPUT', `inputs[${i}] (${t.name}): ${data.length} values for shape [${t.shape.join(', ')}]`)
    if (n !== undefined && data.length !== n)
      throw new HttpError(400, 'INVALID_INPUT', `inputs[${i}] (${t.name}) has ${data.length} rows; the others have ${n}`)
    n = data.length
    columns.push([t.name, data])
  }
  return Array.from({ length: n ?? 0 }, (_, row) => Object.fromEntries(columns.map(([name, data]) => [name, data[row]])))
}

function isLabelled(answer: Answer): boolean {
  return typeof answer === 'object'
}

/**
 * Answers as output tensors. Classification answers mixed with a constant fallback's (a partial
 * fallback) keep the constant as the label, with null probabilities: the fallback gave none.
 */
function v2Answers(answers: readonly Answer[]) {
  const first = typeof answers[0] === 'object' ? answers[0] : (answers.find(isLabelled) ?? answers[0])
  if (typeof first === 'object' && first !== null) {
    const classes = Object.keys(first.probabilities)
    return [
      { name: 'label', datatype: 'BYTES', shape: [answers.length], data: answers.map((a) => (typeof a === 'object' ? a.label : String(a))) },
      {
        name: 'probabilities',
        datatype: 'FP64',
        shape: [answers.length, classes.length],
        data: answers.flatMap((a) => classes.map((c) => (typeof a === 'object' ? (a.probabilities[c] ?? null) : null))),
      },
    ]
  }
  return [{ name: 'predictions', datatype: typeof first === 'string' ? 'BYTES' : 'FP64', shape: [answers.length], data: answers }]
}

/** `{id, label}`, `{feedback: [{id, label}, …]}` or `[{id, label}, …]`. */
function feedbackItems(body: unknown): { id: string; label: unknown }[] {
  const list = Array.isArray(body)
    ? body
    : typeof body === 'object' && body !== null && Array.isArray((body as { feedback?: unknown }).feedback)
      ? (body as { feedback: unknown[] }).feedback
      : [body]
  if (list.length === 0 || list.length > 10_000) throw new HttpError(400, 'INVALID_INPUT', 'send 1 to 10,000 feedback items')
  return list.map((item, i) => {
    const f = item as { id?: unknown; label?: unknown }
    if (typeof f !== 'object' || f === null || typeof f.id !== 'string' || f.id === '')
      throw new HttpError(400, 'INVALID_INPUT', `feedback[${i}]: id must be a prediction id (string)`)
    if (
      !Object.hasOwn(f, 'label') ||
      f.label === null ||
      (typeof f.label !== 'string' && typeof f.label !== 'number' && typeof f.label !== 'boolean') ||
      (typeof f.label === 'number' && !Number.isFinite(f.label))
    ) {
      throw new HttpError(400, 'INVALID_INPUT', `feedback[${i}]: label must be a string, a finite number or a boolean`)
    }
    return { id: f.id, label: f.label }
  })
}
