/**
 * @module The one-sample Kolmogorov–Smirnov distributions scipy uses for the
 * asymptotic two-sample p-value: `kstwo.sf` (Simard & L'Ecuyer's choice among
 * Ruben–Gambino, Durbin/Marsaglia–Tsang–Wang, Pomeranz and Pelz–Good) and the
 * one-sided `smirnov`.
 */
const E128 = 2 ** 128
const EM128 = 2 ** -128
const SQRT_2PI = Math.sqrt(2 * Math.PI)
const PI2 = Math.PI ** 2
const PI4 = Math.PI ** 4
const PI6 = Math.PI ** 6
// B_2j / (2j (2j − 1)) for j = 8…1, highest power first (numpy polyval order)
const STIRLING_DESC = [-3617 / 122400, 1 / 156, -691 / 360360, 1 / 1188, -1 / 1680, 1 / 1260, -1 / 360, 1 / 12]

const clip01 = (p: number): number => Math.min(1, Math.max(0, p))

/** x · 2^e without overflowing the power of two on the way. */
function ldexp(x: number, e: number): number {
  let out = x
  let rest = e
  while (rest > 1000) {
    out *= 2 ** 1000
    rest -= 1000
  }
  while (rest < -1000) {
    out *= 2 ** -1000
    rest += 1000
  }
  return out * 2 ** rest
}

/** log(n! / nⁿ) by Stirling, without the n log n cancellation. */
function logFactorialOverPower(n: number): number {
  const rn = 1 / n
  let poly = 0
  for (const c of STIRLING_DESC) poly = poly * (rn / n) + c
  return Math.log(n) / 2 - n + Math.log(2 * Math.PI) / 2 + rn * poly
}

/** Survival function of the one-sided statistic D⁺ₙ, as `scipy.special.smirnov`. */
export function smirnovSf(n: number, x: number): number {
  if (!(n > 0 && x >= 0 && x <= 1)) return Number.NaN
  if (n === 1) return 1 - x
  if (x === 0) return 1
  if (x === 1) return 0
  const nx = n * x
  const nxFloor = Math.floor(nx)
  if (nxFloor === 0 || (nxFloor === 1 && nx === 1)) return clip01(1 - x * (1 + x) ** (n - 1))
  if (-2 * n * x * x < -708.3964185322641) return 0
  if (nxFloor >= n - 1) return clip01((1 - x) ** n)
  if (n > 1_000_000) return clip01(Math.exp(-((6 * n * x + 1) ** 2) / 18 / n))
  // Birnbaum–Tingey lower sum: x Σ_{v ≤ n(1−x)} C(n,v) (x + v/n)^(v−1) (1 − x − v/n)^(n−v), all terms positive
  const last = n - nxFloor - 1
  let logBinomial = 0
  let sum = 0
  for (let v = 0; v <= last; v++) {
    const up = x + v / n
    const down = 1 - up
    if (down > 0) {
      const term = Math.exp(logBinomial + (v - 1) * Math.log(up) + (n - v) * Math.log(down))
      sum += term
      // scipy's stopping rule: the remaining terms, each smaller, cannot change the sum
      if (v > 0 && 4 * (last - v + 1) * term < Number.EPSILON * sum) break
    }
    logBinomial += Math.log((n - v) / (v + 1))
  }
  return clip01(x * sum)
}

function matmul(a: Float64Array, b: Float64Array, m: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(m * m)
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k] ?? 0
      if (aik === 0) continue
      for (let j = 0; j < m; j++) out[i * m + j] = (out[i * m + j] ?? 0) + aik * (b[k * m + j] ?? 0)
    }
  }
  return out
}

/** The (2k−1)×(2k−1) Durbin matrix H for d = (k − h) / n. */
function durbinMatrix(k: number, h: number): Float64Array<ArrayBuffer> {
  const m = 2 * k - 1
  const v = new Float64Array(m)
  const w = new Float64Array(m)
  let fac = 1
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac
    fac /= j
    v[j - 1] = (1 - h ** j) * fac
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m
  v[m - 1] = (1 + tt) * fac
  const H = new Float64Array(m * m)
  for (let i = 1; i < m; i++) for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - i + 1] ?? 0
  for (let r = 0; r < m; r++) H[r * m] = v[r] ?? 0
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c] ?? 0
  return H
}

/** Pr(Dₙ ≤ d) by Durbin's matrix, computed as Marsaglia, Tsang & Wang (scipy `_kolmogn_DMTW`). */
export function durbinCdf(n: number, d: number): number {
  if (d >= 1) return 1
  const nd = n * d
  if (nd <= 0.5) return 0
  const k = Math.ceil(nd)
  const m = 2 * k - 1
  let H = durbinMatrix(k, k - nd)
  let power = new Float64Array(m * m)
  for (let i = 0; i < m; i++) power[i * m + i] = 1
  let expnt = 0
  let hExpnt = 0
  for (let nn = n; nn > 0; nn = Math.floor(nn / 2)) {
    if (nn % 2) {
      power = matmul(power, H, m)
      expnt += hExpnt
    }
    H = matmul(H, H, m)
    hExpnt *= 2
    if (Math.abs(H[(k - 1) * m + k - 1] ?? 0) > E128) {
      for (let i = 0; i < H.length; i++) H[i] = (H[i] ?? 0) / E128
      hExpnt += 128
    }
  }
  let p = power[(k - 1) * m + k - 1] ?? 0
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n
    if (Math.abs(p) < EM128) {
      p *= E128
      expnt -= 128
    }
  }
  return clip01(expnt === 0 ? p : ldexp(p, expnt))
}

/** numpy's a[start:stop] for a 1-d array, negative indices included. */
function pySlice(a: Float64Array, start: number, stop: number): Float64Array {
  const norm = (i: number) => (i < 0 ? Math.max(0, a.length + i) : Math.min(i, a.length))
  const s = norm(start)
  return a.slice(s, Math.max(s, norm(stop)))
}

function convolve(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(Math.max(0, a.length + b.length - 1))
  for (let i = 0; i < a.length; i++) for (let j = 0; j < b.length; j++) out[i + j] = (out[i + j] ?? 0) + (a[i] ?? 0) * (b[j] ?? 0)
  return out
}

function pomeranzBounds(i: number, n: number, ll: number, ceilf: number, roundf: number): [number, number] {
  let j1: number
  let j2: number
  if (i === 0) {
    j1 = -ll - ceilf - 1
    j2 = ll + ceilf - 1
  } else {
    const half = Math.floor((i + 1) / 2)
    if ((i + 1) % 2 === 0) {
      if (half === n + 1) {
        j1 = n - ll - ceilf - 1
        j2 = n + ll + ceilf - 1
      } else {
        j1 = half - 1 - ll - roundf - 1
        j2 = half + ll - 1 + ceilf - 1
      }
    } else {
      j1 = half - 1 - ll - 1
      j2 = half + ll + roundf - 1
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)]
}

function poissonPowers(size: number, rate: number): Float64Array {
  const out = new Float64Array(size)
  out[0] = 1
  for (let m = 1; m < size; m++) out[m] = ((out[m - 1] ?? 0) * rate) / m
  return out
}

/** Pr(Dₙ ≤ x) by Pomeranz's recursion (scipy `_kolmogn_Pomeranz`). */
export function pomeranzCdf(n: number, x: number): number {
  const t = n * x
  const ll = Math.floor(t)
  const f = t - ll
  const g = Math.min(f, 1 - f)
  const ceilf = f > 0 ? 1 : 0
  const roundf = f > 0.5 ? 1 : 0
  const size = 2 * (ll + 1)
  const gpower = poissonPowers(size, g / n)
  const twoGPower = poissonPowers(size, (2 * g) / n)
  const oneMinus2GPower = poissonPowers(size, (1 - 2 * g) / n)
  let V0 = new Float64Array(size)
  let V1 = new Float64Array(size)
  V1[0] = 1
  let V0s = 0
  let V1s = 0
  let expnt = 0
  let [j1, j2] = pomeranzBounds(0, n, ll, ceilf, roundf)
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1
    ;[V0, V1] = [V1, V0]
    ;[V0s, V1s] = [V1s, V0s]
    V1.fill(0)
    ;[j1, j2] = pomeranzBounds(i, n, ll, ceilf, roundf)
    const pwrs = i === 1 || i === 2 * n + 1 ? gpower : i % 2 ? twoGPower : oneMinus2GPower
    const ln2 = j2 - k1 + 1
    if (ln2 <= 0) continue
    const conv = convolve(pySlice(V0, k1 - V0s, k1 - V0s + ln2), pySlice(pwrs, 0, ln2))
    const convStart = j1 - k1
    V1.set(pySlice(conv, convStart, convStart + j2 - j1 + 1))
    let max = Number.NEGATIVE_INFINITY
    for (const value of V1) if (value > max) max = value
    if (max > 0 && max < EM128) {
      for (let j = 0; j < V1.length; j++) V1[j] = (V1[j] ?? 0) * E128
      expnt -= 128
    }
    V1s = V0s + j1 - k1
  }
  let ans = V1[n - V1s] ?? 0
  for (let m = 1; m <= n; m++) {
    if (Math.abs(ans) > E128) {
      ans *= EM128
      expnt += 128
    }
    ans *= m
  }
  return clip01(expnt === 0 ? ans : ldexp(ans, expnt))
}

/** The Pelz–Good approximation to Pr(Dₙ ≤ x) (scipy `_kolmogn_PelzGood`). */
export function pelzGoodCdf(n: number, x: number): number {
  if (x <= 0) return 0
  if (x >= 1) return 1
  const z = Math.sqrt(n) * x
  const z2 = z ** 2
  const z3 = z ** 3
  const z4 = z ** 4
  const z6 = z ** 6
  const qlog = -PI2 / 8 / z2
  if (qlog < -708) return 0
  let q = Math.exp(qlog)
  const k1a = -z2
  const k1b = PI2 / 4
  const k2a = 6 * z6 + 2 * z4
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4
  const k2c = (PI4 * (1 - 2 * z2)) / 16
  const k3d = (PI6 * (5 - 30 * z2)) / 64
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4
  const k3a = -30 * z6 - 90 * z ** 8
  const K = [0, 0, 0, 0]
  const maxk = Math.ceil((16 * z) / Math.PI)
  for (let k = maxk; k > 0; k--) {
    const m2 = (2 * k - 1) ** 2
    const qpower = q ** (8 * k)
    const coeffs = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m2 ** 2, k3a + k3b * m2 + k3c * m2 ** 2 + k3d * m2 ** 3]
    for (let i = 0; i < 4; i++) K[i] = (K[i] ?? 0) * qpower + (coeffs[i] ?? 0)
  }
  const scale = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10]
  for (let i = 0; i < 4; i++) K[i] = ((K[i] ?? 0) * q * SQRT_2PI) / (scale[i] ?? 1)
  q = Math.exp(-PI2 / 2 / z2)
  const sqrt3z = Math.sqrt(3) * z
  let k2extra = 0
  let k3extra = 0
  for (let k = maxk; k > 0; k--) {
    const k2 = k * k
    const qk = q ** k2
    k2extra += k2 * qk
    k3extra += (sqrt3z + Math.PI * k) * (sqrt3z - Math.PI * k) * k2 * qk
  }
  K[2] = (K[2] ?? 0) + (k2extra * PI2 * SQRT_2PI) / (-36 * z3)
  K[3] = (K[3] ?? 0) + (k3extra * PI2 * SQRT_2PI) / (216 * z6)
  let sum = 0
  for (let i = 0; i < 4; i++) sum += (K[i] ?? 0) / n ** (i / 2)
  return sum
}

/**
 * Pr(Dₙ > x) for the two-sided one-sample statistic, as `scipy.stats.kstwo.sf(x, n)`.
 *
 * @example
 * ```ts
 * kolmogorovSf(3, 0.3) // 0.886222…
 * ```
 */
export function kolmogorovSf(n: number, x: number): number {
  if (!Number.isInteger(n) || n <= 0 || Number.isNaN(x)) return Number.NaN
  if (x >= 1) return 0
  if (x <= 0) return 1
  const t = n * x
  if (t <= 1) {
    if (t <= 0.5) return 1
    let prob: number
    if (n <= 140) {
      prob = 1
      for (let i = 1; i <= n; i++) prob *= i * (1 / n) * (2 * t - 1)
    } else {
      prob = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1))
    }
    return clip01(1 - prob)
  }
  if (t >= n - 1) return clip01(2 * (1 - x) ** n)
  if (x >= 0.5) return clip01(2 * smirnovSf(n, x))
  const nx2 = t * x
  if (n <= 140) {
    if (nx2 <= 0.754693) return clip01(1 - durbinCdf(n, x))
    if (nx2 <= 4) return clip01(1 - pomeranzCdf(n, x))
    return clip01(2 * smirnovSf(n, x))
  }
  if (nx2 >= 370) return 0
  if (nx2 >= 2.2) return clip01(2 * smirnovSf(n, x))
  const cdf = n <= 100_000 && n * x ** 1.5 <= 1.4 ? durbinCdf(n, x) : pelzGoodCdf(n, x)
  return clip01(1 - cdf)
}
