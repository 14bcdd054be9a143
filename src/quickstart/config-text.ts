/**
 * @module The keel.config.ts the quickstart writes: one dataset with its contract, one model
 * spec, one deployment and one monitor — the file a user reads and edits afterwards.
 */

export function quickstartConfig(name: string): string {
  return `import { contract, csv, dataset, defineProject, deployment, model, monitor } from 'keel'

// What a day of weather data must look like. \`keel contract infer\` proposes ranges from the
// rows it sees; ranges from six months of winter and spring would refuse the first summer, so
// these are physical limits instead.
const weatherContract = contract({
  columns: {
    date: { type: 'date', nullable: false },
    precipitation: { type: 'float', nullable: false, min: 0, max: 250 },
    temp_max: { type: 'float', nullable: false, min: -30, max: 50 },
    temp_min: { type: 'float', nullable: false, min: -30, max: 50 },
    wind: { type: 'float', nullable: false, min: 0, max: 60 },
    weather: { type: 'category', nullable: false, values: ['drizzle', 'fog', 'rain', 'snow', 'sun'] },
  },
  rows: { min: 100 },
})

export default defineProject({
  name: ${JSON.stringify(name)},
  environments: {
    // everything embedded under .keel/: SQLite metadata and content-addressed artifact files
    development: { metadata: 'sqlite:.keel/keel.db', artifacts: 'file:.keel/artifacts' },
  },
  datasets: {
    // Seattle's daily weather (NOAA); the quickstart appends days as their labels "arrive"
    weather: dataset({ source: csv('data/weather.csv'), contract: weatherContract }),
  },
  models: {
    // the kind of day (drizzle, fog, rain, snow, sun) from its precipitation, temperatures and wind
    weather: model({
      data: 'weather',
      label: 'weather',
      exclude: ['date'],
      candidates: {
        logistic: { learner: 'logistic' },
        forest: { learner: 'randomForest', params: { nTrees: 60, maxDepth: 8 } },
        gbdt: { learner: 'gbdt', space: { learningRate: [0.05, 0.1], maxDepth: [3, 5] } },
      },
      validation: { kind: 'kfold', folds: 4 },
      select: { metric: 'accuracy' },
      gates: { beatBaseline: { metric: 'accuracy', by: 0.1 } },
    }),
  },
  deployments: {
    // requests carry the date: the same day always goes to the same arm of a canary
    weather: deployment({ model: 'weather', sticky: 'date' }),
  },
  monitors: {
    weather: monitor({
      deployment: 'weather',
      window: { last: 90 },
      performance: { metric: 'accuracy', maxDrop: 0.1, minLabels: 50 },
      canary: { minSamples: 100, maxSamples: 300, autoPromote: true, autoRollback: true },
      alerts: {
        drift: { when: 'drift.drifted == true', actions: [{ log: true }, { retrain: true }] },
        accuracy: { when: 'performance.conceptDrift == true', actions: [{ log: true }] },
      },
    }),
  },
})
`
}
