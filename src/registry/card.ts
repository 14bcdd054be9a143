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
  readonly lineage: { readonly snapshots: readonly string[]; readonly configHash: string | null; readonly gitCommit: string | null }
  readonly runId: string | null
  readonly intendedUse?: string
  readonly limitations?: string
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
  const metrics = Object.entries(f.metrics)
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
    ...(metrics.length === 0
      ? ['_None recorded._']
      : ['| metric | value |', '| --- | --- |', ...metrics.map(([k, v]) => `| ${k} | ${Number.isFinite(v) ? Number(v.toPrecision(6)) : v} |`)]),
    '',
    '## Data and lineage',
    '',
    `- Training snapshots: ${f.lineage.snapshots.length > 0 ? f.lineage.snapshots.map((s) => `\`${s}\``).join(', ') : '_none recorded_'}`,
    `- Run: ${f.runId === null ? '_none recorded_' : `\`${f.runId}\``}`,
    `- Config hash: ${f.lineage.configHash === null ? '_none recorded_' : `\`${f.lineage.configHash}\``}`,
    `- Git commit: ${f.lineage.gitCommit === null ? '_none recorded_' : `\`${f.lineage.gitCommit}\``}`,
    '',
    '## Limitations',
    '',
    f.limitations ?? '_Not stated in the model spec._',
    '',
  ].join('\n')
}
