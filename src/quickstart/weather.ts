/**
 * @module The quickstart's data: Seattle's daily weather 2012–2015 (NOAA via vega-datasets, a
 * public-domain U.S. Government work), shipped with Keel under examples/quickstart, and the
 * periods of it the quickstart plays as history, live traffic and newly arrived labels.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { KeelError } from '../core/errors.js'
import { keelPackageRoot } from '../init.js'

/** One day: the model's four inputs, its label, and the CSV line it came from. */
export interface Day {
  readonly date: string
  readonly precipitation: number
  readonly temp_max: number
  readonly temp_min: number
  readonly wind: number
  readonly weather: string
  readonly line: string
}

export interface WeatherData {
  readonly header: string
  /** In date order. */
  readonly days: readonly Day[]
}

export const WEATHER_FILE = join('examples', 'quickstart', 'seattle-weather.csv')

/** Reads the bundled file. */
export function weatherData(root = keelPackageRoot()): WeatherData {
  const path = join(root, WEATHER_FILE)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    throw new KeelError('DATA_READ_FAILED', `the quickstart's data is missing: ${path}`, {
      hint: 'It ships with Keel under examples/quickstart; reinstall Keel or restore the file from its repository.',
    })
  }
  const [header, ...lines] = text.trim().split(/\r?\n/)
  if (header !== 'date,precipitation,temp_max,temp_min,wind,weather') throw new KeelError('DATA_READ_FAILED', `${path} does not have the expected columns`)
  const days = lines.map((line): Day => {
    const [date, precipitation, tempMax, tempMin, wind, weather] = line.split(',')
    return {
      date: date as string,
      precipitation: Number(precipitation),
      temp_max: Number(tempMax),
      temp_min: Number(tempMin),
      wind: Number(wind),
      weather: weather as string,
      line,
    }
  })
  return { header, days }
}

/** The days from `from` up to, not including, `to` (ISO dates or prefixes such as `2013-07`). */
export function between(days: readonly Day[], from: string, to: string): Day[] {
  return days.filter((d) => d.date >= from && d.date < to)
}

/** `n` distinct days drawn with a seeded generator, returned in date order. */
export function sampleDays(days: readonly Day[], n: number, seed: number): Day[] {
  let s = seed >>> 0
  const random = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
  const order = days.map((_, i) => i)
  // a partial Fisher–Yates shuffle: the first n places hold the sample
  for (let i = 0; i < Math.min(n, order.length); i++) {
    const j = i + Math.floor(random() * (order.length - i))
    ;[order[i], order[j]] = [order[j] as number, order[i] as number]
  }
  return order
    .slice(0, n)
    .sort((a, b) => a - b)
    .map((i) => days[i] as Day)
}

/** The days as the CSV text of the bundled file. */
export function csvText(data: WeatherData, days: readonly Day[]): string {
  return `${[data.header, ...days.map((d) => d.line)].join('\n')}\n`
}

/** What the server is asked: the four inputs, and the date as the sticky routing key. */
export function instance(day: Day): Record<string, number | string> {
  return { date: day.date, precipitation: day.precipitation, temp_max: day.temp_max, temp_min: day.temp_min, wind: day.wind }
}
