/** @module Real public datasets (vega-datasets) for the ONNX export tests, with gaps made on purpose. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type CategoryColumn, Frame } from '../../src/core/frame.js'
import { readFrame } from '../../src/data/readers/read-frame.js'
import { REPO_ROOT } from '../helpers/project.js'

const DATA = join(REPO_ROOT, 'node_modules', 'vega-datasets', 'data')

/** Every `every`-th row (from `from`) of a column set missing. */
export function withMissing(frame: Frame, name: string, every: number, from = 0): Frame {
  const c = frame.column(name)
  const hit = (i: number) => i >= from && (i - from) % every === 0
  switch (c.kind) {
    case 'category':
      return frame.with(name, { ...c, codes: c.codes.map((code, i) => (hit(i) ? -1 : code)) })
    case 'boolean':
      return frame.with(name, { kind: 'boolean', values: c.values.map((v, i) => (hit(i) ? 255 : v)) })
    default:
      return frame.with(name, { kind: c.kind, values: c.values.map((v, i) => (hit(i) ? Number.NaN : v)) })
  }
}

/** Every `every`-th row of a category column set to `level`, a level training never saw. */
export function withUnseen(frame: Frame, name: string, level: string, every: number): Frame {
  const c = frame.column(name) as CategoryColumn
  const code = c.levels.length
  return frame.with(name, { kind: 'category', levels: [...c.levels, level], codes: c.codes.map((v, i) => (i % every === 3 ? code : v)) })
}

const numbers = (frame: Frame, name: string) => (frame.column(name) as { values: Float64Array }).values

/**
 * Seattle's daily weather 2012–2015 (1,461 rows): date (timestamp), precipitation, temp_max,
 * temp_min, wind, weather (5 levels, none missing); plus `sky` (weather with some values
 * missing, as a feature), `windy` (a boolean, wind above 4 m/s) and `rainy` (a boolean label).
 * Some precipitation, wind and windy values are missing too.
 */
export async function seattleWeather(): Promise<Frame> {
  let frame = await readFrame(join(DATA, 'seattle-weather.csv'))
  const wind = numbers(frame, 'wind')
  frame = frame.with('windy', { kind: 'boolean', values: Uint8Array.from(wind, (v) => (v > 4 ? 1 : 0)) })
  frame = frame.with('rainy', { kind: 'boolean', values: Uint8Array.from(numbers(frame, 'precipitation'), (v) => (v > 0 ? 1 : 0)) })
  frame = withMissing(frame, 'precipitation', 23)
  frame = withMissing(frame, 'wind', 31, 5)
  frame = withMissing(frame, 'windy', 37, 2)
  return withMissing(frame.with('sky', frame.column('weather')), 'sky', 41, 7)
}

/** Palmer penguins (344 rows): Species, Island, four measurements and Sex, some of them missing. */
export function penguins(): Frame {
  const records = JSON.parse(readFileSync(join(DATA, 'penguins.json'), 'utf8')) as Record<string, unknown>[]
  return Frame.fromRecords(records, { Species: 'category', Island: 'category', Sex: 'category' })
}

/**
 * The classic cars dataset (406 rows): Name (a category of ~300 models, most of them rare),
 * Miles_per_Gallon (8 missing), Cylinders, Displacement, Horsepower (6 missing),
 * Weight_in_lbs, Acceleration, Year (timestamp), Origin (3 levels).
 */
export function cars(): Frame {
  const records = JSON.parse(readFileSync(join(DATA, 'cars.json'), 'utf8')) as Record<string, unknown>[]
  return Frame.fromRecords(records, { Year: 'timestamp', Name: 'category', Origin: 'category' })
}

/** Rows where `name` is present. */
export function whereKnown(frame: Frame, name: string): Frame {
  const values = numbers(frame, name)
  return frame.take(Int32Array.from({ length: frame.nRows }, (_, i) => i).filter((i) => !Number.isNaN(values[i])))
}

/** Even rows and odd rows: two halves with the same spread of dates and levels. */
export function halves(frame: Frame): [Frame, Frame] {
  const rows = Int32Array.from({ length: frame.nRows }, (_, i) => i)
  return [frame.take(rows.filter((i) => i % 2 === 0)), frame.take(rows.filter((i) => i % 2 === 1))]
}
