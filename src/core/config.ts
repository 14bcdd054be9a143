/**
 * @module Project configuration: `defineProject`, its schema, environment
 * selection and URL interpolation. The only module in Keel that reads `process.env`.
 */
import { userInfo } from 'node:os'
import { z } from 'zod'
import { KeelError } from './errors.js'

/** Backends for one environment, as store URLs. `${VAR}` is replaced by that environment variable. */
export interface EnvironmentConfig {
  /** Metadata store: `sqlite:<path>` (relative to the project) or `postgres://user@host:port/db[?schema=name]`. */
  readonly metadata?: string
  /** Artifact store: `file:<path>` (relative to the project, or `file:///absolute`). */
  readonly artifacts?: string
  /** Online feature store: `sqlite:<path>` (relative to the project) or `redis://[user:password@]host:port/db[?prefix=keel:]`. */
  readonly online?: string
}

/** Experiment-tracking settings. */
export interface TrackingConfig {
  /** Experiment used by runs that name none. Default `"default"`. */
  readonly defaultExperiment?: string
}

/**
 * A dataset as the config holds it. The data layer defines the full shape (`dataset()` in
 * src/data/dataset.ts) and validates it when the dataset is used; the core only requires a source.
 */
export interface DatasetDeclaration {
  readonly source: unknown
}

/**
 * A model spec as the config holds it. The pipeline defines the full shape (`model()` in
 * src/pipeline/model-spec.ts) and checks it when the model is trained.
 */
export interface ModelDeclaration {
  readonly data: string
  readonly label: string
}

/** A deployment as the config holds it; the serving layer checks its full shape (`deployment()` in src/serve/deployment.ts). */
export interface DeploymentDeclaration {
  readonly model: string
}

/** A monitor as the config holds it; the monitoring layer checks its full shape. */
export interface MonitorDeclaration {
  readonly deployment: string
}

/** A feature view as the config holds it; the feature store checks its full shape (`featureView()` in src/features/feature-view.ts). */
export interface FeatureViewDeclaration {
  readonly source: string
}

/** A schedule as the config holds it; the scheduler checks its full shape. */
export interface ScheduleDeclaration {
  readonly cron?: string
  readonly on?: string
  readonly run: string
}

/** What `keel.config.ts` exports, through {@link defineProject}. */
export interface ProjectConfig {
  /** The project's name, shown in the CLI and recorded on runs. */
  readonly name: string
  /** Backends per environment; `development` exists even when not declared. */
  readonly environments?: Readonly<Record<string, EnvironmentConfig>>
  /** Environment used when neither `--env` nor `KEEL_ENV` names one. Default `"development"`. */
  readonly defaultEnvironment?: string
  readonly tracking?: TrackingConfig
  /** Named datasets: source, contract, cleaning steps (see `dataset()`). */
  readonly datasets?: Readonly<Record<string, DatasetDeclaration>>
  /** Named model specs: data, label, baseline, candidates, validation, selection, gates (see `model()`). */
  readonly models?: Readonly<Record<string, ModelDeclaration>>
  /** Named deployments: the endpoints `keel serve` answers (see `deployment()`). */
  readonly deployments?: Readonly<Record<string, DeploymentDeclaration>>
  /** Monitors of deployments: drift, performance, service, alerts (see `monitor()`). */
  readonly monitors?: Readonly<Record<string, MonitorDeclaration>>
  /** Named feature views: entity keys, event time, features over a dataset, TTL (see `featureView()`). */
  readonly featureViews?: Readonly<Record<string, FeatureViewDeclaration>>
  /** Jobs `keel scheduler` runs: `{ cron: '0 3 * * *', run: 'train churn' }` or `{ on: 'snapshot orders', run: 'train churn' }`. */
  readonly schedules?: Readonly<Record<string, ScheduleDeclaration>>
  readonly registry?: RegistryConfig
}

/** How model versions are approved. */
export interface RegistryConfig {
  /** `manual` (default): a version needs `keel models approve` before it may be champion; `auto`: versions that pass their gates register approved. */
  readonly approval?: 'manual' | 'auto'
  /** The approver must differ from whoever registered the version (default false). */
  readonly separateApprover?: boolean
}

/** Store URLs used when an environment names none: embedded state under `.keel/`. */
export const DEFAULT_ENVIRONMENT: Required<EnvironmentConfig> = {
  metadata: 'sqlite:.keel/keel.db',
  artifacts: 'file:.keel/artifacts',
  online: 'sqlite:.keel/online.db',
}

const urlString = z.string().min(1, 'must be a non-empty store URL')

const environmentSchema = z.strictObject({
  metadata: urlString.optional(),
  artifacts: urlString.optional(),
  online: urlString.optional(),
})

const projectSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, 'must be 1-100 letters, digits, _ . - (starting with a letter or digit)'),
  environments: z.record(z.string().regex(/^[a-z][a-z0-9_-]*$/, 'environment names are lower-case words'), environmentSchema).optional(),
  defaultEnvironment: z.string().optional(),
  tracking: z.strictObject({ defaultExperiment: z.string().min(1).max(250).optional() }).optional(),
  datasets: z
    .record(
      z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,62}$/, 'dataset names are 1-63 letters, digits and _, starting with a letter'),
      z.looseObject({ source: z.looseObject({ kind: z.string() }) }),
    )
    .optional(),
  models: z
    .record(
      z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,99}$/, 'model names are letters, digits, _ . - (starting with a letter)'),
      z.looseObject({ data: z.string(), label: z.string() }),
    )
    .optional(),
  deployments: z
    .record(
      z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,99}$/, 'deployment names are letters, digits, _ . - (starting with a letter)'),
      z.looseObject({ model: z.string() }),
    )
    .optional(),
  monitors: z
    .record(
      z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,99}$/, 'monitor names are letters, digits, _ . - (starting with a letter)'),
      z.looseObject({ deployment: z.string() }),
    )
    .optional(),
  featureViews: z
    .record(
      z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,62}$/, 'feature view names are 1-63 letters, digits and _, starting with a letter'),
      z.looseObject({ source: z.string() }),
    )
    .optional(),
  schedules: z
    .record(
      z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,99}$/, 'schedule names are letters, digits, _ . - (starting with a letter)'),
      z.looseObject({ run: z.string() }),
    )
    .optional(),
  registry: z.strictObject({ approval: z.enum(['manual', 'auto']).optional(), separateApprover: z.boolean().optional() }).optional(),
})

/**
 * Declares a Keel project. Identity at run time; it exists so editors check
 * `keel.config.ts` against {@link ProjectConfig}.
 *
 * @example
 * ```ts
 * import { defineProject } from 'keel'
 * export default defineProject({
 *   name: 'churn',
 *   environments: { production: { metadata: '${DATABASE_URL}', artifacts: 'file:///srv/keel/artifacts' } },
 * })
 * ```
 */
export function defineProject(config: ProjectConfig): ProjectConfig {
  return config
}

/** The configuration after validation, environment selection and interpolation; frozen. */
export interface ResolvedConfig {
  readonly name: string
  /** Absolute path of the project directory. */
  readonly root: string
  /** Absolute path of the config file. */
  readonly configPath: string
  /** sha256 of the config file's text, recorded on every run. */
  readonly configHash: string
  /** The selected environment. */
  readonly env: string
  readonly metadataUrl: string
  readonly artifactsUrl: string
  /** The online feature store (opened only when features are materialized or read). */
  readonly onlineUrl: string
  readonly tracking: { readonly defaultExperiment: string }
  /** Dataset declarations as written (the data layer checks their full shape). */
  readonly datasets: Readonly<Record<string, DatasetDeclaration>>
  /** Model specs as written (the pipeline checks their full shape). */
  readonly models: Readonly<Record<string, ModelDeclaration>>
  /** Deployments as written (the serving layer checks their full shape). */
  readonly deployments: Readonly<Record<string, DeploymentDeclaration>>
  /** Monitors as written (the monitoring layer checks their full shape). */
  readonly monitors: Readonly<Record<string, MonitorDeclaration>>
  readonly featureViews: Readonly<Record<string, FeatureViewDeclaration>>
  /** Schedules as written (the scheduler checks their full shape). */
  readonly schedules: Readonly<Record<string, ScheduleDeclaration>>
  readonly registry: { readonly approval: 'manual' | 'auto'; readonly separateApprover: boolean }
}

/** Choices that override the config file, in order of precedence above it. */
export interface ResolveOptions {
  /** Environment name; wins over `KEEL_ENV`. */
  readonly env?: string
  /** Metadata store URL; wins over `KEEL_METADATA_URL` and the config. */
  readonly metadataUrl?: string
  /** Artifact store URL; wins over `KEEL_ARTIFACTS_URL` and the config. */
  readonly artifactsUrl?: string
  /** Online feature store URL; wins over `KEEL_ONLINE_URL` and the config. */
  readonly onlineUrl?: string
}

/** Where the loaded config file came from. */
export interface ConfigSource {
  readonly root: string
  readonly configPath: string
  readonly configHash: string
}

/**
 * Validates a loaded config module's default export and resolves it for one
 * environment. Precedence for each store URL: option → `KEEL_*_URL` → environment → default.
 */
export function resolveConfig(raw: unknown, source: ConfigSource, options: ResolveOptions = {}, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const config = validateConfig(raw, source.configPath)
  const envName = options.env ?? nonEmpty(env.KEEL_ENV) ?? config.defaultEnvironment ?? 'development'
  const declared = config.environments ?? {}
  const chosen = declared[envName]
  if (chosen === undefined && envName !== 'development') {
    const known = ['development', ...Object.keys(declared).filter((k) => k !== 'development')]
    throw new KeelError('CONFIG_ENV_UNKNOWN', `environment "${envName}" is not declared in ${source.configPath} (declared: ${known.join(', ')})`)
  }
  const pick = (key: keyof EnvironmentConfig, override: string | undefined, envVar: string): string => {
    if (override !== undefined) return override
    const fromEnv = nonEmpty(env[envVar])
    if (fromEnv !== undefined) return fromEnv
    const value = chosen?.[key]
    if (value === undefined) return DEFAULT_ENVIRONMENT[key]
    return interpolate(value, `environments.${envName}.${key}`, env)
  }
  return Object.freeze({
    name: config.name,
    root: source.root,
    configPath: source.configPath,
    configHash: source.configHash,
    env: envName,
    metadataUrl: pick('metadata', options.metadataUrl, 'KEEL_METADATA_URL'),
    artifactsUrl: pick('artifacts', options.artifactsUrl, 'KEEL_ARTIFACTS_URL'),
    onlineUrl: pick('online', options.onlineUrl, 'KEEL_ONLINE_URL'),
    tracking: Object.freeze({ defaultExperiment: config.tracking?.defaultExperiment ?? 'default' }),
    datasets: Object.freeze({ ...((raw as ProjectConfig).datasets ?? {}) }),
    models: Object.freeze({ ...((raw as ProjectConfig).models ?? {}) }),
    deployments: Object.freeze({ ...((raw as ProjectConfig).deployments ?? {}) }),
    schedules: Object.freeze({ ...((raw as ProjectConfig).schedules ?? {}) }),
    monitors: Object.freeze({ ...((raw as ProjectConfig).monitors ?? {}) }),
    featureViews: Object.freeze({ ...((raw as ProjectConfig).featureViews ?? {}) }),
    registry: Object.freeze({ approval: config.registry?.approval ?? 'manual', separateApprover: config.registry?.separateApprover ?? false }),
  })
}

/** Whether Keel runs in CI (quiet progress, no colours, no prompts). */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return nonEmpty(env.CI) !== undefined && env.CI !== 'false' && env.CI !== '0'
}

/** Whether to print stack traces for errors (KEEL_DEBUG=1). */
export function isDebug(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.KEEL_DEBUG === '1' || env.KEEL_DEBUG === 'true'
}

/** Whether terminal colours are wanted (honours NO_COLOR and FORCE_COLOR). */
export function wantsColor(isTty: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  if (nonEmpty(env.NO_COLOR) !== undefined) return false
  if (nonEmpty(env.FORCE_COLOR) !== undefined && env.FORCE_COLOR !== '0') return true
  return isTty && !isCi(env)
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}

function validateConfig(raw: unknown, configPath: string): z.output<typeof projectSchema> {
  const result = projectSchema.safeParse(raw, { reportInput: true })
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const key = issue === undefined || issue.path.length === 0 ? '(root)' : issue.path.join('.')
  const message = issue === undefined ? 'invalid' : describeIssue(issue)
  const more = result.error.issues.length > 1 ? ` (+${result.error.issues.length - 1} more)` : ''
  throw new KeelError('CONFIG_INVALID', `${configPath}: \`${key}\` ${message}${more}`, {
    hint: fixFor(issue, raw),
  })
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `has unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `\`${k}\``).join(', ')}`
  if (issue.code === 'invalid_type' && issue.input === undefined) return `is required (${issue.expected})`
  if (issue.code === 'invalid_type') return `must be ${issue.expected}, got ${describeValue(issue.input)}`
  return issue.message
}

function fixFor(issue: z.core.$ZodIssue | undefined, raw: unknown): string {
  if (issue === undefined) return 'Export `defineProject({ name: "my-project" })` as the default export of keel.config.ts.'
  if (raw === null || typeof raw !== 'object') return 'keel.config.ts must `export default defineProject({ name: ... })`.'
  if (issue.code === 'unrecognized_keys') {
    const parent = issue.path.length === 0 ? 'the project' : `\`${issue.path.join('.')}\``
    return `Remove or rename the unknown key; ${parent} accepts: ${knownKeys(issue.path).join(', ')}.`
  }
  if (issue.path[0] === 'name') return 'Set `name` to a short identifier such as "churn-model".'
  return 'Correct the key named above; docs/config.md lists every key and its type.'
}

function knownKeys(path: readonly PropertyKey[]): string[] {
  if (path.length === 0) return Object.keys(projectSchema.shape)
  if (path[0] === 'environments') return Object.keys(environmentSchema.shape)
  if (path[0] === 'tracking') return ['defaultExperiment']
  if (path[0] === 'registry') return ['approval', 'separateApprover']
  return []
}

function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value
}

/**
 * Replaces `${VAR}` in a config value with the environment variable (CONFIG_ENV_VAR_MISSING when
 * unset); `key` names the value in the error. For config values outside the store URLs, such as
 * a dataset source's connection URL.
 */
export function interpolateEnv(value: string, key: string, env: NodeJS.ProcessEnv = process.env): string {
  return interpolate(value, key, env)
}

/** Who is acting, for audit logs: `KEEL_USER`, else the operating-system user. */
export function currentUser(env: NodeJS.ProcessEnv = process.env): string {
  const named = nonEmpty(env.KEEL_USER)
  if (named !== undefined) return named
  try {
    return userInfo().username
  } catch {
    return 'unknown'
  }
}

/** A secret named by the config (a salt, a token) from the environment; undefined when unset or empty. */
export function readSecret(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return nonEmpty(env[name])
}

function interpolate(value: string, key: string, env: NodeJS.ProcessEnv): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const found = nonEmpty(env[name])
    if (found === undefined) {
      throw new KeelError('CONFIG_ENV_VAR_MISSING', `\`${key}\` refers to \${${name}}, which is not set`)
    }
    return found
  })
}
