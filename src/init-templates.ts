/**
 * @module The files `keel init` writes.
 */

export function configTemplate(name: string): string {
  return `import { defineProject } from 'keel'

export default defineProject({
  name: ${JSON.stringify(name)},
  environments: {
    // the default: everything embedded under .keel/ (SQLite + content-addressed files)
    development: {
      metadata: 'sqlite:.keel/keel.db',
      artifacts: 'file:.keel/artifacts',
    },
    // \`KEEL_ENV=production keel ...\` or \`keel --env production ...\`: a shared PostgreSQL
    // (\${VAR} is read from the environment) and an artifact root outside the project
    production: {
      metadata: '\${DATABASE_URL}',
      artifacts: 'file:///var/lib/keel/artifacts',
    },
  },
  tracking: { defaultExperiment: 'quickstart' },
})
`
}

export function exampleTemplate(): string {
  return `// A tracked training run: logistic regression by gradient descent on generated data.
// Run it with \`npx keel exec examples/track.ts\`, then look at it with \`npx keel runs list\`.
import { openProject } from 'keel'

const project = await openProject()
const params = { learningRate: 0.5, epochs: 50, rows: 2000, seed: 7 }

// a seeded generator keeps the example reproducible
let state = params.seed
const random = () => (state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32
const rows = Array.from({ length: params.rows }, () => {
  const a = random() * 4 - 2
  const b = random() * 4 - 2
  return { a, b, label: 1.5 * a - 2 * b + 0.3 + (random() - 0.5) > 0 ? 1 : 0 }
})

await project.tracking.withRun({ name: 'logistic-regression', tags: { example: true } }, async (run) => {
  await run.logParams(params)
  let wa = 0
  let wb = 0
  let bias = 0
  for (let epoch = 0; epoch < params.epochs; epoch++) {
    let ga = 0
    let gb = 0
    let gBias = 0
    let loss = 0
    let correct = 0
    for (const { a, b, label } of rows) {
      const p = 1 / (1 + Math.exp(-(wa * a + wb * b + bias)))
      loss -= label * Math.log(p + 1e-12) + (1 - label) * Math.log(1 - p + 1e-12)
      if ((p > 0.5 ? 1 : 0) === label) correct++
      ga += (p - label) * a
      gb += (p - label) * b
      gBias += p - label
    }
    wa -= (params.learningRate * ga) / params.rows
    wb -= (params.learningRate * gb) / params.rows
    bias -= (params.learningRate * gBias) / params.rows
    await run.logMetrics({ loss: loss / params.rows, accuracy: correct / params.rows }, { step: epoch })
  }
  await run.logArtifact('model/weights.json', Buffer.from(JSON.stringify({ wa, wb, bias })))
  console.log(\`run \${run.id} finished: wa=\${wa.toFixed(3)} wb=\${wb.toFixed(3)} bias=\${bias.toFixed(3)}\`)
})
await project.close()
`
}
