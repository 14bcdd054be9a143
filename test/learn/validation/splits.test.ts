import { describe, expect, it } from 'vitest'
import { holdout, kFold, type Split, stratifiedKFold, timeSplit } from '../../../src/learn/validation/index.js'

const tests = (splits: readonly Split[]) => splits.map((s) => Array.from(s.test))
const invalidParams = expect.objectContaining({ code: 'LEARN_INVALID_PARAMS' })

/** Every row is in exactly one of train and test. */
function expectPartition(split: Split, n: number): void {
  expect([...split.train, ...split.test].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i))
}

describe('kFold', () => {
  it('matches scikit-learn KFold(3) on 11 rows: the first n % k folds get one extra row', () => {
    const splits = kFold(11, { folds: 3 })
    expect(tests(splits)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9, 10],
    ])
    for (const s of splits) expectPartition(s, 11)
  })

  it('shuffles reproducibly by seed and still covers every row once', () => {
    const a = kFold(20, { folds: 4, shuffle: true, seed: 3 })
    expect(tests(a)).toEqual(tests(kFold(20, { folds: 4, shuffle: true, seed: 3 })))
    expect(tests(a)).not.toEqual(tests(kFold(20, { folds: 4 })))
    expect(
      tests(a)
        .flat()
        .sort((x, y) => x - y),
    ).toEqual(Array.from({ length: 20 }, (_, i) => i))
    for (const s of a) expect(s.test.length).toBe(5)
  })

  it('refuses fewer than two folds or more folds than rows', () => {
    expect(() => kFold(10, { folds: 1 })).toThrow(invalidParams)
    expect(() => kFold(3, { folds: 4 })).toThrow(invalidParams)
  })
})

describe('stratifiedKFold', () => {
  const y = Int32Array.from([2, 0, 0, 1, 2, 2, 0, 1, 2, 2, 0, 0, 2, 1, 2, 2, 0])

  it('matches scikit-learn StratifiedKFold(3) fold for fold', () => {
    expect(tests(stratifiedKFold(y, { folds: 3 }))).toEqual([
      [0, 1, 2, 3, 4, 5],
      [6, 7, 8, 9, 10, 12],
      [11, 13, 14, 15, 16],
    ])
  })

  it('keeps each class share per fold when shuffled, with a reproducible seed', () => {
    const labels = Int32Array.from({ length: 100 }, (_, i) => (i % 10 < 2 ? 1 : 0))
    const splits = stratifiedKFold(labels, { folds: 5, shuffle: true, seed: 11 })
    for (const s of splits) {
      expect(s.test.length).toBe(20)
      expect(Array.from(s.test).filter((i) => labels[i] === 1)).toHaveLength(4)
      expectPartition(s, 100)
    }
    expect(tests(splits)).toEqual(tests(stratifiedKFold(labels, { folds: 5, shuffle: true, seed: 11 })))
  })

  it('refuses more folds than the rows of every class', () => {
    expect(() => stratifiedKFold(Int32Array.from([0, 0, 1, 1]), { folds: 3 })).toThrow(invalidParams)
  })
})

describe('holdout', () => {
  it('holds out ceil(testSize × n) shuffled rows, reproducibly', () => {
    const split = holdout(10, { testSize: 0.25, seed: 5 })
    expect(split.test.length).toBe(3)
    expectPartition(split, 10)
    expect(Array.from(holdout(10, { testSize: 0.25, seed: 5 }).test)).toEqual(Array.from(split.test))
    expect(holdout(10, { testSize: 4 }).test.length).toBe(4)
  })

  it('stratifies: each class keeps its share of the test rows', () => {
    const labels = Int32Array.from({ length: 50 }, (_, i) => (i < 10 ? 1 : 0))
    const { test } = holdout(50, { testSize: 0.2, seed: 1, stratify: labels })
    expect(test.length).toBe(10)
    expect(Array.from(test).filter((i) => labels[i] === 1)).toHaveLength(2)
  })

  it('refuses sizes that leave train or test empty', () => {
    expect(() => holdout(10, { testSize: 10 })).toThrow(invalidParams)
    expect(() => holdout(10, { testSize: 0 })).toThrow(invalidParams)
    expect(() => holdout(4, { stratify: [0, 1] })).toThrow(invalidParams)
  })
})

describe('timeSplit', () => {
  it('matches scikit-learn TimeSeriesSplit(3) on 10 rows in time order', () => {
    const splits = timeSplit(
      Float64Array.from({ length: 10 }, (_, i) => i),
      { folds: 3 },
    )
    expect(splits.map((s) => [Array.from(s.train), Array.from(s.test)])).toEqual([
      [
        [0, 1, 2, 3],
        [4, 5],
      ],
      [
        [0, 1, 2, 3, 4, 5],
        [6, 7],
      ],
      [
        [0, 1, 2, 3, 4, 5, 6, 7],
        [8, 9],
      ],
    ])
  })

  it('orders rows by time, not by position, and trains strictly before each test window', () => {
    const times = Float64Array.from([50, 10, 40, 20, 30, 60])
    const splits = timeSplit(times, { folds: 2, testSize: 2 })
    expect(splits.map((s) => Array.from(s.test))).toEqual([
      [2, 4],
      [0, 5],
    ])
    for (const s of splits) {
      const lastTrain = Math.max(...Array.from(s.train, (i) => times[i] ?? 0))
      expect(Math.min(...Array.from(s.test, (i) => times[i] ?? 0))).toBeGreaterThan(lastTrain)
    }
  })

  it('never splits rows that share a time across a boundary', () => {
    const times = Float64Array.from([1, 2, 3, 3, 3, 4, 5, 6])
    // scikit-learn would train on rows 0-3 and test on 4-5, splitting the three rows at time 3
    const [first, second] = timeSplit(times, { folds: 2, testSize: 2 })
    expect(first && [Array.from(first.train), Array.from(first.test)]).toEqual([
      [0, 1],
      [2, 3, 4, 5],
    ])
    expect(second && Array.from(second.test)).toEqual([6, 7])
  })

  it('refuses missing times and too few rows', () => {
    expect(() => timeSplit(Float64Array.from([1, Number.NaN, 3, 4]), { folds: 1 })).toThrow(expect.objectContaining({ code: 'LEARN_INVALID_INPUT' }))
    expect(() => timeSplit(Float64Array.from([1, 2, 3]), { folds: 3, testSize: 1 })).toThrow(invalidParams)
  })
})
