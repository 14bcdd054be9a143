/**
 * @module Exact least squares with an L2 penalty on centred data (so the
 * intercept is unpenalized): Cholesky when the system is well posed, else the
 * minimum-norm solution, as scikit-learn's Ridge and LinearRegression give.
 */
import type { DesignMatrix } from '../preprocess/preprocessor.js'

/** Singular values below this fraction of the largest count as zero. */
const RELATIVE_CUTOFF = 1e-10

function columnMeans(m: DesignMatrix): Float64Array {
  const means = new Float64Array(m.nCols)
  for (let i = 0; i < m.nRows; i++) for (let j = 0; j < m.nCols; j++) means[j] = (means[j] as number) + (m.x[i * m.nCols + j] as number)
  return means.map((s) => s / m.nRows)
}

/** Columns that are not constant; a constant column gets weight 0. */
function varyingColumns(m: DesignMatrix): number[] {
  const out: number[] = []
  for (let j = 0; j < m.nCols; j++) {
    const first = m.x[j] as number
    for (let i = 1; i < m.nRows; i++) {
      if (m.x[i * m.nCols + j] !== first) {
        out.push(j)
        break
      }
    }
  }
  return out
}

/** `XcᵀXc + αI` and `Xcᵀyc` over the chosen columns (Xc, yc centred). */
function normalEquations(m: DesignMatrix, y: Float64Array, cols: readonly number[], means: Float64Array, yMean: number, alpha: number) {
  const q = cols.length
  const gram = new Float64Array(q * q)
  const rhs = new Float64Array(q)
  const row = new Float64Array(q)
  for (let i = 0; i < m.nRows; i++) {
    for (let a = 0; a < q; a++) row[a] = (m.x[i * m.nCols + (cols[a] as number)] as number) - (means[cols[a] as number] as number)
    const yc = (y[i] as number) - yMean
    for (let a = 0; a < q; a++) {
      const ra = row[a] as number
      rhs[a] = (rhs[a] as number) + ra * yc
      for (let b = 0; b <= a; b++) gram[a * q + b] = (gram[a * q + b] as number) + ra * (row[b] as number)
    }
  }
  for (let a = 0; a < q; a++) {
    gram[a * q + a] = (gram[a * q + a] as number) + alpha
    for (let b = 0; b < a; b++) gram[b * q + a] = gram[a * q + b] as number
  }
  return { gram, rhs }
}

/** Solves `A x = b` for symmetric A by Cholesky; undefined when A is not clearly positive definite. */
export function choleskySolve(a: Float64Array, b: Float64Array): Float64Array | undefined {
  const q = b.length
  const l = new Float64Array(q * q)
  let maxDiag = 0
  for (let i = 0; i < q; i++) maxDiag = Math.max(maxDiag, a[i * q + i] as number)
  for (let j = 0; j < q; j++) {
    let d = a[j * q + j] as number
    for (let k = 0; k < j; k++) d -= (l[j * q + k] as number) ** 2
    if (!(d > RELATIVE_CUTOFF * maxDiag)) return undefined
    const ljj = Math.sqrt(d)
    l[j * q + j] = ljj
    for (let i = j + 1; i < q; i++) {
      let s = a[i * q + j] as number
      for (let k = 0; k < j; k++) s -= (l[i * q + k] as number) * (l[j * q + k] as number)
      l[i * q + j] = s / ljj
    }
  }
  const z = new Float64Array(q)
  for (let i = 0; i < q; i++) {
    let s = b[i] as number
    for (let k = 0; k < i; k++) s -= (l[i * q + k] as number) * (z[k] as number)
    z[i] = s / (l[i * q + i] as number)
  }
  for (let i = q - 1; i >= 0; i--) {
    let s = z[i] as number
    for (let k = i + 1; k < q; k++) s -= (l[k * q + i] as number) * (z[k] as number)
    z[i] = s / (l[i * q + i] as number)
  }
  return z
}

/** Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: `A = V diag(values) Vᵀ`, V column-major by eigenvector. */
export function symmetricEigen(a: Float64Array, q: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a)
  const v = new Float64Array(q * q)
  for (let i = 0; i < q; i++) v[i * q + i] = 1
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0
    let total = 0
    for (let i = 0; i < q; i++) {
      for (let j = 0; j < q; j++) {
        const x = (m[i * q + j] as number) ** 2
        total += x
        if (i !== j) off += x
      }
    }
    if (off <= 1e-30 * total) break
    for (let p = 0; p < q - 1; p++) for (let r = p + 1; r < q; r++) rotate(m, v, q, p, r)
  }
  return { values: Float64Array.from({ length: q }, (_, i) => m[i * q + i] as number), vectors: v }
}

/** One Jacobi rotation zeroing `m[p][r]`. */
function rotate(m: Float64Array, v: Float64Array, q: number, p: number, r: number): void {
  const apr = m[p * q + r] as number
  if (apr === 0) return
  const theta = ((m[r * q + r] as number) - (m[p * q + p] as number)) / (2 * apr)
  const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1))
  const c = 1 / Math.sqrt(t * t + 1)
  const s = t * c
  for (let k = 0; k < q; k++) {
    const mkp = m[k * q + p] as number
    const mkr = m[k * q + r] as number
    m[k * q + p] = c * mkp - s * mkr
    m[k * q + r] = s * mkp + c * mkr
  }
  for (let k = 0; k < q; k++) {
    const mpk = m[p * q + k] as number
    const mrk = m[r * q + k] as number
    m[p * q + k] = c * mpk - s * mrk
    m[r * q + k] = s * mpk + c * mrk
  }
  for (let k = 0; k < q; k++) {
    const vkp = v[k * q + p] as number
    const vkr = v[k * q + r] as number
    v[k * q + p] = c * vkp - s * vkr
    v[k * q + r] = s * vkp + c * vkr
  }
}

/** The minimum-norm solution of `A x = b` for symmetric positive semi-definite A. */
function pseudoInverseSolve(a: Float64Array, b: Float64Array): Float64Array {
  const q = b.length
  const { values, vectors } = symmetricEigen(a, q)
  let max = 0
  for (const e of values) max = Math.max(max, e)
  const x = new Float64Array(q)
  for (let k = 0; k < q; k++) {
    const e = values[k] as number
    if (!(e > RELATIVE_CUTOFF * max)) continue
    let proj = 0
    for (let i = 0; i < q; i++) proj += (vectors[i * q + k] as number) * (b[i] as number)
    for (let i = 0; i < q; i++) x[i] = (x[i] as number) + ((vectors[i * q + k] as number) * proj) / e
  }
  return x
}

/** Minimizes ‖y − Xw − b‖² + α‖w‖² exactly. */
export function solveRidge(m: DesignMatrix, y: Float64Array, alpha: number): { weights: Float64Array; intercept: number } {
  const means = columnMeans(m)
  let yMean = 0
  for (const v of y) yMean += v
  yMean /= m.nRows
  const cols = varyingColumns(m)
  const { gram, rhs } = normalEquations(m, y, cols, means, yMean, alpha)
  const solved = choleskySolve(gram, rhs) ?? pseudoInverseSolve(gram, rhs)
  const weights = new Float64Array(m.nCols)
  cols.forEach((j, a) => {
    weights[j] = solved[a] as number
  })
  let intercept = yMean
  for (let j = 0; j < m.nCols; j++) intercept -= (means[j] as number) * (weights[j] as number)
  return { weights, intercept }
}
