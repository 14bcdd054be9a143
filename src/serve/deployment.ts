/**
 * @module Deployments as keel.config.ts declares them with `deployment({ … })`: which model an
 * endpoint serves, how traffic splits between its aliases, shadows, the fallback, time and size
 * limits, and what the prediction log keeps.
 */
import { z } from 'zod'
import { KeelError } from '../core/errors.js'
import { firstIssue } from '../core/spec-issue.js'
import { parseRule, type Rule } from './rules.js'

export interface DeploymentSpec {
  /** The registered model name. */
  readonly model: string
  /** Alias → percent of requests (default `{ champion: 100 }`); a `keel deploy --canary` override wins. */
  readonly traffic?: Readonly<Record<string, number>>
  /** Sticky routing: the instance field (or the request's `key`) whose hash picks the alias, so one user always sees one model. */
  readonly sticky?: string
  /** Aliases that get a copy of `percent` of requests (default 100) asynchronously: logged, compared, never answering. */
  readonly shadow?: { readonly aliases: readonly string[]; readonly percent?: number }
  /** Answer used when the model errors or exceeds `timeoutMs`: a constant, or another model version (`name@version`, `name@alias`). */
  readonly fallback?: { readonly value: number | string } | { readonly model: string }
  /** Longest a prediction may take before the fallback answers (default 1000). */
  readonly timeoutMs?: number
  readonly limits?: {
    /** Instances per request (default 1000); more is refused with 413. */
    readonly maxInstances?: number
    /** Request body size (default 1 MiB); larger is refused with 413. */
    readonly maxBodyBytes?: number
    /** Requests per minute per API token (or per client address without auth); default unlimited. */
    readonly requestsPerMinute?: number
  }
  /** What the prediction log keeps: `inputs: 'full'` (default) or `'hash'`; `sample` in (0, 1], default 1. */
  readonly log?: { readonly inputs?: 'full' | 'hash'; readonly sample?: number }
  /** Decision rules: when `when` holds for a prediction (e.g. `p > 0.9`), POST it to `webhook` (retried with backoff). */
  readonly actions?: readonly { readonly when: string; readonly webhook: string }[]
  /** For model versions trained on feature views: how online values are fetched and what happens without them (docs/features.md). */
  readonly features?: DeploymentFeatures
}

/** A declared value for a feature, used in place of a missing online one. */
export type DefaultFeatureValue = number | string | boolean | null

/**
 * What happens to an instance whose entity has no online values (missing, or older than the
 * view's TTL), and to a request when the online store fails: `reject` answers 422 naming the
 * entity and the view (503 when the store fails); `fallback` lets the deployment's fallback
 * answer the request; `{ defaults }` uses the declared value of every feature input of the view.
 */
export type MissingFeaturesPolicy = 'reject' | 'fallback' | { readonly defaults: Readonly<Record<string, DefaultFeatureValue>> }

export interface DeploymentFeatures {
  /** Default `'reject'`. */
  readonly onMissing?: MissingFeaturesPolicy
  /**
   * A request field that is a view feature: `'refuse'` (default) answers 400, so values computed
   * elsewhere cannot skew the model; `'override'` lets the request's value win over the online one.
   */
  readonly requestValues?: 'refuse' | 'override'
}

/**
 * Declares a deployment (identity at run time; it gives editors the shape).
 *
 * @example
 * ```ts
 * deployments: {
 *   churn: deployment({ model: 'churn', traffic: { champion: 90, challenger: 10 }, sticky: 'customer_id', fallback: { value: 0 } }),
 * }
 * ```
 */
export function deployment(spec: DeploymentSpec): DeploymentSpec {
  return spec
}

const alias = z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,99}$/)
const schema = z.strictObject({
  model: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,99}$/, 'must be a registered model name'),
  traffic: z
    .record(alias, z.number().min(0).max(100))
    .refine((t) => Object.keys(t).length > 0 && Math.abs(Object.values(t).reduce((a, b) => a + b, 0) - 100) < 1e-9, 'the shares must add up to 100')
    .optional(),
  sticky: z.string().min(1).optional(),
  shadow: z.strictObject({ aliases: z.array(alias).min(1), percent: z.number().gt(0).max(100).optional() }).optional(),
  fallback: z.union([z.strictObject({ value: z.union([z.number(), z.string()]) }), z.strictObject({ model: z.string().min(1) })]).optional(),
  timeoutMs: z.number().positive().optional(),
  limits: z
    .strictObject({
      maxInstances: z.number().int().min(1).optional(),
      maxBodyBytes: z.number().int().min(1024).optional(),
      requestsPerMinute: z.number().int().min(1).optional(),
    })
    .optional(),
  log: z.strictObject({ inputs: z.enum(['full', 'hash']).optional(), sample: z.number().gt(0).max(1).optional() }).optional(),
  actions: z.array(z.strictObject({ when: z.string().min(1), webhook: z.url({ protocol: /^https?$/ }) })).optional(),
  features: z
    .strictObject({
      onMissing: z
        .union([
          z.enum(['reject', 'fallback']),
          z.strictObject({
            defaults: z
              .record(z.string().min(1), z.union([z.number().refine(Number.isFinite, 'must be finite'), z.string(), z.boolean(), z.null()]))
              .refine((d) => Object.keys(d).length > 0, 'declare a value for each feature input'),
          }),
        ])
        .optional(),
      requestValues: z.enum(['refuse', 'override']).optional(),
    })
    .optional(),
})

/** A deployment with every default filled in. */
export interface ResolvedDeployment {
  readonly name: string
  readonly model: string
  readonly traffic: Readonly<Record<string, number>>
  readonly sticky: string | null
  readonly shadow: { readonly aliases: readonly string[]; readonly percent: number }
  readonly fallback: DeploymentSpec['fallback'] | null
  readonly timeoutMs: number
  readonly maxInstances: number
  readonly maxBodyBytes: number
  readonly requestsPerMinute: number | null
  readonly logInputs: 'full' | 'hash'
  readonly sample: number
  readonly actions: readonly { readonly rule: Rule; readonly webhook: string }[]
  readonly features: { readonly onMissing: MissingFeaturesPolicy; readonly requestValues: 'refuse' | 'override' }
}

/** The deployment named `name`, checked (DEPLOYMENT_INVALID names the field). */
export function deploymentFrom(declared: Readonly<Record<string, unknown>>, name: string): ResolvedDeployment {
  const raw = declared[name]
  if (raw === undefined)
    throw new KeelError('DEPLOYMENT_INVALID', `no deployment "${name}" in keel.config.ts (declared: ${Object.keys(declared).join(', ') || 'none'})`)
  const parsed = schema.safeParse(raw)
  if (!parsed.success) {
    throw new KeelError('DEPLOYMENT_INVALID', `deployment "${name}": ${firstIssue(parsed.error)}`)
  }
  const d = parsed.data
  if (d.features?.onMissing === 'fallback' && d.fallback === undefined) {
    throw new KeelError('DEPLOYMENT_INVALID', `deployment "${name}": \`features.onMissing\` is 'fallback' but the deployment declares no \`fallback\``, {
      hint: "Add fallback: { value: … } or { model: 'name@alias' }, or choose onMissing: 'reject' or { defaults: { feature: value } }.",
    })
  }
  return {
    name,
    model: d.model,
    traffic: d.traffic ?? { champion: 100 },
    sticky: d.sticky ?? null,
    shadow: { aliases: d.shadow?.aliases ?? [], percent: d.shadow?.percent ?? 100 },
    fallback: d.fallback ?? null,
    timeoutMs: d.timeoutMs ?? 1000,
    maxInstances: d.limits?.maxInstances ?? 1000,
    maxBodyBytes: d.limits?.maxBodyBytes ?? 1024 * 1024,
    requestsPerMinute: d.limits?.requestsPerMinute ?? null,
    logInputs: d.log?.inputs ?? 'full',
    sample: d.log?.sample ?? 1,
    actions: (d.actions ?? []).map((a) => ({ rule: parseRule(a.when), webhook: a.webhook })),
    features: { onMissing: d.features?.onMissing ?? 'reject', requestValues: d.features?.requestValues ?? 'refuse' },
  }
}

/** Every declared deployment; without any, one per registered model would be guessed, so none is. */
export function deploymentsFrom(declared: Readonly<Record<string, unknown>>): ResolvedDeployment[] {
  return Object.keys(declared)
    .sort()
    .map((name) => deploymentFrom(declared, name))
}
