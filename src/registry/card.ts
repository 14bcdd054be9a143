/** @module Model cards: what a model version is for, what it was trained on and how well it does, as markdown. */

export interface CardFacts {
  readonly name: string
  readonly kind: string
  readonly task: string
  readonly signature: {
    readonly inputs: readonly { readonly name: string; readonly kind: string }[]
    readonly output: { readonly label: string; readonly classes: readonly string[] }
  }
  readonly metrics: Readonly<Record<string, number>>
  readonly lineage: {
    readonly snapshots: readonly string[]
    readonly configHash: string | null
    readonly gitCommit: string | null
    readonly contractHash?: string | null
    readonly keelVersion?: string
    readonly featureViews?: Readonly<Record<string, string>>
  }
  readonly runId: string | null
  readonly intendedUse?: string
  readonly limitations?: string
  /** What the model was trained and tested on, in a sentence. */
  readonly data?: string
  /** The baseline's metrics on the same test rows. */
  readonly baseline?: Readonly<Record<string, number>>
  /** Column → value → rows and metrics on them. */
  readonly slices?: Readonly<Record<string, Readonly<Record<string, { readonly rows: number; readonly metrics: Readonly<Record<string, number>> }>>>>
}

const num = (v: number | undefined) => (v === undefined ? '—' : Number.isFinite(v) ? String(Number(v.toPrecision(6))) : String(v))

function metricsTable(f: CardFacts): string[] {
  const metrics = Object.entries(f.metrics)
  if (metrics.length === 0) return ['_None recorded._']
  if (f.baseline === undefined) return ['| metric | value |', '| --- | --- |', ...metrics.map(([k, v]) => `| ${k} | ${num(v)} |`)]
  return ['| metric | value | baseline |', '| --- | --- | --- |', ...metrics.map(([k, v]) => `| ${k} | ${num(v)} | ${num(f.baseline?.[k])} |`)]
}

/** Per slice column: rows and the first few metrics of each value. */
function slicesSection(f: CardFacts): string[] {
  const out: string[] = []
  for (const [column, values] of Object.entries(f.slices ?? {})) {
    const names = Object.keys(f.metrics).slice(0, 3)
    out.push(`By \`${column}\`:`, '', `| ${column} | rows | ${names.join(' | ')} |`, `| --- | --- |${names.map(() => ' --- |').join('')}`)
    for (const [value, s] of Object.entries(values)) out.push(`| ${value} | ${s.rows} | ${names.map((n) => num(s.metrics[n])).join(' | ')} |`)
    out.push('')
  }
  return out.length === 0 ? [] : ['## Slices', '', ...out]
}

/**
 * The model card of a version. Facts come from the registry; intended use and limitations from
 * the model spec, and the card says so when they are missing rather than inventing them.
 *
 * @example
 * ```ts
 * renderModelCard({ name: 'churn', kind: 'gbdt', task: 'binary', … }) // '# churn\n\n…'
 * ```
 */
export function renderModelCard(f: CardFacts): string {
  const classes = f.signature.output.classes
  return [
    `# ${f.name}`,
    '',
    `A ${f.kind} model for ${f.task} prediction of \`${f.signature.output.label}\`${classes.length > 0 ? ` (classes: ${classes.join(', ')})` : ''}.`,
    '',
    '## Intended use',
    '',
    f.intendedUse ?? '_Not stated in the model spec._',
    '',
    '## Inputs',
    '',
    '| feature | kind |',
    '| --- | --- |',
    ...f.signature.inputs.map((i) => `| ${i.name} | ${i.kind} |`),
    '',
    '## Metrics',
    '',
    ...metricsTable(f),
    '',
    ...slicesSection(f),
    '## Data and lineage',
    '',
    ...(f.data === undefined ? [] : [`- ${f.data}`]),
    `- Training snapshots: ${f.lineage.snapshots.length > 0 ? f.lineage.snapshots.map((s) => `\`${s}\``).join(', ') : '_none recorded_'}`,
    `- Run: ${f.runId === null ? '_none recorded_' : `\`${f.runId}\``}`,
    `- Config hash: ${f.lineage.configHash === null ? '_none recorded_' : `\`${f.lineage.configHash}\``}`,
    `- Git commit: ${f.lineage.gitCommit === null ? '_none recorded_' : `\`${f.lineage.gitCommit}\``}`,
    ...(f.lineage.contractHash ? [`- Contract hash: \`${f.lineage.contractHash}\``] : []),
    ...(f.lineage.featureViews && Object.keys(f.lineage.featureViews).length > 0
      ? [
          `- Feature views: ${Object.entries(f.lineage.featureViews)
            .map(([v, version]) => `\`${v}@${version.slice(0, 12)}\``)
            .join(', ')}`,
        ]
      : []),
    ...(f.lineage.keelVersion ? [`- Keel version: ${f.lineage.keelVersion}`] : []),
    '',
    '## Limitations',
    '',
    f.limitations ?? '_Not stated in the model spec._',
    '',
  ].join('\n')
}
