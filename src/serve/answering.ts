/**
 * @module Answering a predict request, the part both protocols share: the deployment's pick of a
 * version, online features, the signature check, the prediction or the fallback (for the whole
 * request, or per instance when features are missing), then — after the answer is on its way —
 * shadows, decision rules and the prediction log.
 */
import type { Frame } from '../core/frame.js'
import { canonicalJson, sha256 } from '../core/hash.js'
import { newId } from '../core/ids.js'
import type { Predictions } from '../learn/model.js'
import type { WebhookDispatcher } from './actions.js'
import { type Answer, ruleScope, sameAnswer, toAnswers } from './answers.js'
import { type FallbackSplit, interleave, pick, renumber, splitFallbacks } from './fallback.js'
import { featureReport, type JoinedFeatures, ServingFeatures, trainedViews } from './features.js'
import { HttpError } from './http-error.js'
import { LabelCache, type ServeMetrics } from './metrics.js'
import type { PredictionLog } from './prediction-log.js'
import { PredictionTimeout, predictRowsWithin, predictWithin } from './predictor.js'
import type { DeploymentRuntime, LoadedVersion } from './runtime.js'
import { type FieldError, instancesToFrame } from './signature.js'

/** What answered: a model version under an alias (`fallback` for a fallback model). */
export type AnsweredBy = { readonly name: string; readonly version: number; readonly alias: string }

/** A request the fallback answered in part: all its answers, in request order, and which the fallback gave. */
export interface PartialFallback {
  readonly answers: Answer[]
  readonly fellBack: readonly boolean[]
  readonly fallbacks: readonly number[]
  /** The fallback model; for a constant, the version that answered the rest (as when the fallback answers a whole request). */
  readonly by: AnsweredBy
}

/** What answered a request, and what the protocols put in their responses. */
export interface Answered {
  readonly answers: readonly Answer[]
  readonly ids: readonly string[]
  readonly fallback: boolean
  /** The instances the fallback answered when it answered only some; null otherwise. */
  readonly fallbacks: readonly number[] | null
  readonly model: AnsweredBy
  readonly loaded: LoadedVersion
  readonly features: ReturnType<typeof featureReport>
}

/** One answered request, as the work after the answer (shadows, decision rules, the log) needs it. */
interface AnsweredRequest {
  readonly runtime: DeploymentRuntime
  /** The instances as the model saw them (with online features joined). */
  readonly instances: readonly unknown[]
  /** The instances at `rows` as a frame, when the model took a frame; null when it took rows. */
  readonly frame: Frame | null
  /** The instances the model answered when the fallback answered the others; null for all. */
  readonly rows: readonly number[] | null
  readonly answers: readonly Answer[]
  readonly ids: readonly string[]
  readonly at: number
  /** Per instance. */
  readonly latencyMs: number
  readonly by: AnsweredBy
  readonly fallback: boolean
  readonly partial: PartialFallback | null
  readonly notes: readonly string[] | null
}

export interface AnsweringContext {
  readonly metrics: ServeMetrics
  readonly features: ServingFeatures
  readonly log: PredictionLog
  readonly webhooks: WebhookDispatcher
  /** Told when after-answer work (logging, shadows, rules) fails. */
  readonly onError: (message: string) => void
}

export interface Answering {
  predict(runtime: DeploymentRuntime, instances: readonly unknown[], key: string | null): Promise<Answered>
  /** Runs the after-answer work queued so far now (before feedback looks predictions up, and on close). */
  drain(): void
}

/** The answering of one server. */
export function answering(context: AnsweringContext): Answering {
  const { metrics, features, log, webhooks } = context
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
        context.onError((error as Error).message)
      }
    }
  }
  const afterAnswer = (job: () => void) => {
    if (afterAnswers.push(job) === 1) setImmediate(runAfterAnswers)
  }

  /** Validates, predicts (or falls back), logs; the heart of both protocols. */
  const predict = async (runtime: DeploymentRuntime, instances: readonly unknown[], key: string | null): Promise<Answered> => {
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
    const modelInputs = split === null ? inputs : pick(inputs, split.rows)
    // the fallback answers without the model's features: nothing to check against its signature;
    // instances that fit it go straight to the model's rows, the others to a frame (which says what is wrong)
    const encoded = everyFallback || loaded.rows === null ? undefined : loaded.rows.encode(modelInputs)
    const built = everyFallback || encoded !== undefined ? null : instancesToFrame(modelInputs, loaded.signature.inputs)
    if (built !== null && 'errors' in built) {
      const fields = split === null ? (built.errors as FieldError[]) : renumber(built.errors, split.rows)
      throw new HttpError(400, 'INVALID_INPUT', `${built.count} problem(s) with the instances`, { fields })
    }
    let answers: Answer[]
    let fallback = false
    let answeredBy: AnsweredBy = { name: loaded.name, version: loaded.version, alias }
    const started = performance.now()
    try {
      if (everyFallback) throw joined
      const predictions =
        encoded !== undefined
          ? predictRowsWithin(loaded.model, encoded, modelInputs.length, runtime.spec.timeoutMs)
          : (await predictWithin(loaded.predictor, (built as { frame: Frame }).frame, runtime.spec.timeoutMs)).predictions
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
    const frame = built?.frame ?? null
    const rows = split === null || everyFallback ? null : split.rows
    const answered: AnsweredRequest = {
      runtime,
      instances: inputs,
      frame,
      rows,
      answers,
      ids,
      at,
      latencyMs: latencyMs / answers.length,
      by: answeredBy,
      fallback,
      partial,
      notes,
    }
    afterAnswer(() => afterAnswered(answered))
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
  const afterAnswered = (answered: AnsweredRequest) => {
    const logged = (shadows: readonly Record<string, Answer>[] | null) => {
      actOn(answered)
      logAnswers(answered, shadows)
    }
    const { runtime } = answered
    if (runtime.spec.shadow.aliases.length > 0 && Math.random() * 100 < runtime.spec.shadow.percent) {
      void shadowAnswers(answered).then(logged)
    } else logged(null)
  }

  /**
   * Each shadow alias's answers to the same instances, per instance. `frame` holds the instances
   * at `rows` (all when null): with a partial fallback, only those the model answered. It is null
   * when the answering model took rows instead of a frame, and each shadow then builds its own.
   */
  const shadowAnswers = async ({ runtime, instances, frame, rows, answers }: AnsweredRequest) => {
    const shadows: Record<string, Answer>[] = answers.map(() => ({}))
    for (const alias of runtime.spec.shadow.aliases) {
      const shadow = runtime.serving.get(alias)
      if (!shadow) continue
      try {
        const predictions = await predictFitting(shadow, rows === null ? instances : pick(instances, rows), frame, runtime.spec.timeoutMs)
        if (predictions === null) continue
        const outputs = toAnswers(predictions)
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
  const actOn = ({ runtime, instances, answers, ids, at, by, partial }: AnsweredRequest) => {
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
    { runtime, instances, answers, ids, at, latencyMs, by, fallback, partial, notes }: AnsweredRequest,
    shadows: readonly Record<string, Answer>[] | null,
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

  return { predict, drain: runAfterAnswers }
}

/**
 * A version's predictions for instances, or null when they do not fit its signature: from rows
 * when the version takes them, else from `frame` (the same instances) when it has the version's
 * inputs, else from a frame built here.
 */
async function predictFitting(loaded: LoadedVersion, instances: readonly unknown[], frame: Frame | null, timeoutMs: number): Promise<Predictions | null> {
  const encoded = loaded.rows?.encode(instances)
  if (encoded !== undefined) return predictRowsWithin(loaded.model, encoded, instances.length, timeoutMs)
  if (frame !== null && loaded.signature.inputs.every((i) => frame.has(i.name))) return (await predictWithin(loaded.predictor, frame, timeoutMs)).predictions
  const built = instancesToFrame(instances, loaded.signature.inputs)
  return 'frame' in built ? (await predictWithin(loaded.predictor, built.frame, timeoutMs)).predictions : null
}

/** The record without `key` (the same object when it has none). */
export function omit(record: Record<string, unknown>, key: string): Record<string, unknown> {
  if (!Object.hasOwn(record, key)) return record
  const { [key]: _, ...rest } = record
  return rest
}
