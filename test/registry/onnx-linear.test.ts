import { describe, expect, it } from 'vitest'
import type { CategoryColumn, Frame } from '../../src/core/frame.js'
import { learners } from '../../src/learn/learners/index.js'
import type { LinearModel } from '../../src/learn/learners/linear-model.js'
import type { Model } from '../../src/learn/model.js'
import type { RecipeOptions } from '../../src/learn/preprocess/recipe.js'
import { checkOnnx, ONNX_TOLERANCE } from '../../src/registry/onnx/check.js'
import { canExportOnnx, exportOnnx } from '../../src/registry/onnx/export.js'
import { onnxInput } from '../../src/registry/onnx/input.js'
import { cars, halves, penguins, seattleWeather, whereKnown, withUnseen } from './onnx-data.js'

const weather = await seattleWeather()
const [weatherTrain, weatherHalf] = halves(weather)
// the held-out half also meets a sky never seen in training
const weatherTest = withUnseen(weatherHalf, 'sky', 'hail', 17)
const [carsTrain, carsTest] = halves(cars())
const [penguinTrain, penguinTest] = halves(penguins())

/** ONNX Runtime's predictions against Keel's on `frame`: the largest difference, which checkOnnx bounds by 1e-5. */
async function difference(model: Model, frame: Frame): Promise<number> {
  expect(canExportOnnx(model)).toBe(true)
  const worst = await checkOnnx(model, exportOnnx(model), frame)
  expect(worst).toBeLessThan(ONNX_TOLERANCE)
  return worst
}

const vocabularyOf = (model: LinearModel, feature: string) => {
  const step = model.preprocessor.steps.find((s) => s.feature === feature)
  return step && 'vocabulary' in step ? step.vocabulary : undefined
}

const countCodes = (frame: Frame, name: string, test: (level: string | undefined) => boolean) =>
  Array.from((frame.column(name) as CategoryColumn).codes).filter((code) => test(code < 0 ? undefined : (frame.column(name) as CategoryColumn).levels[code]))
    .length

const WEATHER_FEATURES = ['date', 'precipitation', 'wind', 'windy', 'sky']

describe('ONNX export of linear and logistic models with their preprocessing (ONNX Runtime vs Keel)', () => {
  it('the held-out rows have what the export must get right: missing values, an unseen level and rare levels', () => {
    expect(countCodes(weatherTest, 'sky', (l) => l === undefined)).toBeGreaterThan(5)
    expect(countCodes(weatherTest, 'sky', (l) => l === 'hail')).toBeGreaterThan(20)
    expect(countCodes(weatherTest, 'sky', (l) => l === 'snow' || l === 'drizzle')).toBeGreaterThan(10)
    expect(Array.from((weatherTest.column('precipitation') as { values: Float64Array }).values).filter(Number.isNaN).length).toBeGreaterThan(10)
    const input = onnxInput(weatherTest, [{ name: 'sky', kind: 'category', levels: ['drizzle', 'rain', 'sun', 'snow', 'fog'] }])
    expect(input.filter((v) => v === -1).length).toBe(countCodes(weatherTest, 'sky', (l) => l === 'hail'))
    expect(input.filter(Number.isNaN).length).toBe(countCodes(weatherTest, 'sky', (l) => l === undefined))
  })

  it('linear regression: median-imputed scaled numbers, a boolean, calendar parts of the date, one-hot sky with rare levels grouped', async () => {
    const grouped = await learners
      .linear({ preprocess: { categories: { minFrequency: 0.05 } } })
      .fit(weatherTrain, { label: 'temp_max', features: WEATHER_FEATURES })
    // below 5% of rows: drizzle, snow and the missing level all share the __rare__ slot
    expect(vocabularyOf(grouped, 'sky')?.rare).toEqual(['__missing__', 'drizzle', 'snow'])
    await difference(grouped, weatherTest)
    const plain = await learners.linear({ alpha: 1 }).fit(weatherTrain, { label: 'temp_max', features: WEATHER_FEATURES })
    // at the default 1%, a missing sky is a level of its own, distinct from an unseen one
    expect(vocabularyOf(plain, 'sky')?.levels).toContain('__missing__')
    await difference(plain, weatherTest)
  })

  it('binary logistic regression on the same preprocessing', async () => {
    const model = await learners.logistic({ C: 0.5 }).fit(weatherTrain, { label: 'rainy', features: ['date', 'temp_max', 'temp_min', 'wind', 'windy', 'sky'] })
    expect(model.task).toBe('binary')
    await difference(model, weatherTest)
  })

  it('multinomial logistic regression (five kinds of weather)', async () => {
    const model = await learners
      .logistic({})
      .fit(weatherTrain, { label: 'weather', features: ['date', 'precipitation', 'temp_max', 'temp_min', 'wind', 'windy'] })
    expect(model.classes).toHaveLength(5)
    await difference(model, weatherTest)
  })

  it('cars: hundreds of model names, most of them rare or absent from the training rows; missing horsepower; an unseen origin', async () => {
    const model = await learners.linear({}).fit(whereKnown(carsTrain, 'Miles_per_Gallon'), { label: 'Miles_per_Gallon' })
    expect(vocabularyOf(model, 'Name')?.rare.length).toBeGreaterThan(100)
    const trained = new Set(Array.from((carsTrain.column('Name') as CategoryColumn).codes))
    // levels of the frame's dictionary that no training row has: known codes, unknown slot
    expect(Array.from((carsTest.column('Name') as CategoryColumn).codes).filter((code) => !trained.has(code)).length).toBeGreaterThan(50)
    await difference(model, withUnseen(carsTest, 'Origin', 'Australia', 11))
    const origin = await learners
      .logistic({})
      .fit(carsTrain, { label: 'Origin', features: ['Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs', 'Year'] })
    await difference(origin, carsTest)
  })

  it('penguins: multinomial species from measurements, island and sex (missing, and a rare "." level)', async () => {
    const model = await learners.logistic({ C: 10 }).fit(penguinTrain, { label: 'Species' })
    expect(vocabularyOf(model, 'Sex')?.rare).toEqual(['.'])
    await difference(model, penguinTest)
  })

  const recipes: [string, RecipeOptions][] = [
    ['mean imputation, no scaling, a constant for booleans', { numbers: { impute: 'mean', scale: false }, booleans: { impute: { constant: 0.5 } } }],
    [
      'most-frequent numbers, a missing category read as its commonest level',
      { numbers: { impute: 'most-frequent' }, categories: { missing: 'most-frequent' } },
    ],
    ['ordinal categories with their own unknown code', { categories: { encoding: 'ordinal', unknownValue: -3, minFrequency: 0.05 } }],
    [
      'other calendar parts, unscaled, most-frequent for a missing date',
      { timestamps: { parts: ['dayOfWeek', 'hour', 'day'], impute: 'most-frequent', scale: false } },
    ],
  ]
  for (const [name, preprocess] of recipes) {
    it(`recipe: ${name}`, async () => {
      const missingDates = weatherTrain.with('date', {
        kind: 'timestamp',
        values: (weatherTrain.column('date') as { values: Float64Array }).values.map((v, i) => (i % 29 === 0 ? Number.NaN : v)),
      })
      await difference(await learners.linear({ preprocess }).fit(missingDates, { label: 'temp_max', features: WEATHER_FEATURES }), weatherTest)
      await difference(await learners.logistic({ preprocess }).fit(missingDates, { label: 'weather', features: WEATHER_FEATURES }), weatherTest)
    })
  }

  it('tree models read an unseen level (-1) as missing, as Keel does', async () => {
    const features = ['precipitation', 'temp_min', 'wind', 'sky']
    await difference(await learners.gbdt({ nTrees: 30, maxDepth: 4 }).fit(weatherTrain, { label: 'temp_max', features }), weatherTest)
    await difference(await learners.randomForest({ nTrees: 10, maxDepth: 6 }).fit(weatherTrain, { label: 'rainy', features }), weatherTest)
  })
})
