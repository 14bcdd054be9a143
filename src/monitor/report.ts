/**
 * @module `keel monitor report`: one self-contained HTML file (inline SVG, no scripts, no
 * network) with per-feature histograms of reference vs current, drift scores over time, and
 * performance over time with its intervals.
 */
import type { Project } from '../project.js'
import { deploymentFrom } from '../serve/deployment.js'
import { monitorFrom } from './monitor-spec.js'
import { referenceProfile } from './reference.js'
import type { MonitorResult } from './run.js'
import type { ColumnSketch } from './stats/sketch.js'

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
const fmt = (v: number) => (Number.isFinite(v) ? String(Number(v.toPrecision(4))) : String(v))

/** Shares of values per bin (numeric, `edges`) or per category. */
function shares(values: readonly (number | string | null)[], edges: readonly number[] | null, categories: readonly string[]): number[] {
  const counts = new Array<number>(edges ? edges.length - 1 : categories.length).fill(0)
  let n = 0
  for (const v of values) {
    if (v === null) continue
    let b: number
    if (edges) {
      if (typeof v !== 'number' || !Number.isFinite(v)) continue
      b = Math.min(edges.length - 2, Math.max(0, edges.findIndex((e, i) => i > 0 && v <= e) - 1))
      if (v > (edges.at(-1) as number)) b = edges.length - 2
    } else b = categories.indexOf(String(v))
    if (b < 0) continue
    counts[b] = (counts[b] as number) + 1
    n++
  }
  return counts.map((c) => (n === 0 ? 0 : c / n))
}

function histogram(title: string, labels: readonly string[], reference: readonly number[], current: readonly number[], drifted: boolean): string {
  const w = 420
  const h = 160
  const max = Math.max(1e-9, ...reference, ...current)
  const bw = (w - 40) / Math.max(1, labels.length)
  const bars = labels
    .map((label, i) => {
      const x = 30 + i * bw
      const rh = ((reference[i] ?? 0) / max) * (h - 40)
      const ch = ((current[i] ?? 0) / max) * (h - 40)
      return (
        `<rect x="${fmt(x + 1)}" y="${fmt(h - 20 - rh)}" width="${fmt(bw / 2 - 1)}" height="${fmt(rh)}" fill="#8aa8c8"><title>reference ${esc(label)}: ${fmt((reference[i] ?? 0) * 100)} %</title></rect>` +
        `<rect x="${fmt(x + bw / 2)}" y="${fmt(h - 20 - ch)}" width="${fmt(bw / 2 - 1)}" height="${fmt(ch)}" fill="${drifted ? '#d9534f' : '#e8a33d'}"><title>current ${esc(label)}: ${fmt((current[i] ?? 0) * 100)} %</title></rect>`
      )
    })
    .join('')
  const axis =
    labels.length <= 12
      ? labels.map((l, i) => `<text x="${fmt(30 + i * bw + bw / 2)}" y="${h - 6}" font-size="9" text-anchor="middle">${esc(l.slice(0, 8))}</text>`).join('')
      : ''
  return `<figure><figcaption>${esc(title)}</figcaption><svg width="${w}" height="${h}" role="img" aria-label="${esc(title)}">${bars}${axis}<line x1="30" y1="${h - 20}" x2="${w - 10}" y2="${h - 20}" stroke="#999"/></svg></figure>`
}

function lineChart(title: string, points: readonly { x: number; y: number; lo?: number; hi?: number }[], threshold?: number): string {
  const w = 640
  const h = 180
  if (points.length === 0) return `<p>${esc(title)}: no passes yet.</p>`
  const xs = points.map((p) => p.x)
  const ys = points.flatMap((p) => [p.y, p.lo ?? p.y, p.hi ?? p.y, ...(threshold === undefined ? [] : [threshold])])
  const [x0, x1] = [Math.min(...xs), Math.max(...xs) + (xs.length === 1 ? 1 : 0)]
  const [y0, y1] = [Math.min(...ys), Math.max(...ys) + 1e-9]
  const px = (x: number) => 40 + ((x - x0) / (x1 - x0)) * (w - 60)
  const py = (y: number) => h - 25 - ((y - y0) / (y1 - y0)) * (h - 45)
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${fmt(px(p.x))},${fmt(py(p.y))}`).join(' ')
  const band = points.every((p) => p.lo !== undefined && p.hi !== undefined)
    ? `<path d="${points.map((p, i) => `${i === 0 ? 'M' : 'L'}${fmt(px(p.x))},${fmt(py(p.hi as number))}`).join(' ')} ${[...points]
        .reverse()
        .map((p) => `L${fmt(px(p.x))},${fmt(py(p.lo as number))}`)
        .join(' ')} Z" fill="#cfe0f1"/>`
    : ''
  const rule =
    threshold === undefined
      ? ''
      : `<line x1="40" x2="${w - 20}" y1="${fmt(py(threshold))}" y2="${fmt(py(threshold))}" stroke="#d9534f" stroke-dasharray="4 3"/>`
  const dots = points
    .map((p) => `<circle cx="${fmt(px(p.x))}" cy="${fmt(py(p.y))}" r="3" fill="#2f5d8a"><title>${new Date(p.x).toISOString()}: ${fmt(p.y)}</title></circle>`)
    .join('')
  return `<figure><figcaption>${esc(title)}</figcaption><svg width="${w}" height="${h}" role="img" aria-label="${esc(title)}">${band}${rule}<path d="${path}" fill="none" stroke="#2f5d8a" stroke-width="2"/>${dots}<text x="4" y="${fmt(py(y1))}" font-size="9">${fmt(y1)}</text><text x="4" y="${fmt(py(y0))}" font-size="9">${fmt(y0)}</text></svg></figure>`
}

function referenceShares(sketch: ColumnSketch): { labels: string[]; edges: number[] | null; reference: number[] } {
  if (sketch.kind === 'categorical') {
    const labels = Object.keys(sketch.counts).sort()
    const total = Object.values(sketch.counts).reduce((a, b) => a + b, 0) || 1
    return { labels, edges: null, reference: labels.map((l) => (sketch.counts[l] ?? 0) / total) }
  }
  const edges = sketch.quantileEdges.length >= 2 ? [...sketch.quantileEdges] : [sketch.min, sketch.max + 1e-9]
  edges[0] = Math.min(edges[0] as number, sketch.min)
  edges[edges.length - 1] = Math.max(edges.at(-1) as number, sketch.max)
  const labels = edges.slice(1).map((e) => `≤${fmt(e)}`)
  return { labels, edges, reference: shares(sketch.sample, edges, []) }
}

/**
 * Renders the monitor's report from its stored passes (the newest one's window is re-read for
 * the histograms).
 *
 * @example
 * ```ts
 * await writeFile('report.html', await monitorReport(project, 'churn'))
 * ```
 */
export async function monitorReport(project: Project, name: string): Promise<string> {
  const monitor = monitorFrom(project.config.monitors, name)
  const deployment = deploymentFrom(project.config.deployments, monitor.deployment)
  const passes = (await project.metadata.listMonitorResults(name, 500)).map((r) => JSON.parse(r.result) as MonitorResult).reverse()
  const latest = passes.at(-1)
  const sections: string[] = []
  if (latest?.model) {
    const reference = await referenceProfile(project, latest.model.name, latest.model.version)
    const { start, end, last } = latest.window
    const window = { deployment: monitor.deployment, since: start, until: end, ...(last === undefined ? {} : { last }) }
    const figures: string[] = []
    for (const [column, sketch] of Object.entries(reference.features)) {
      const { labels, edges, reference: ref } = referenceShares(sketch)
      const values = deployment.logInputs === 'hash' ? [] : await project.metadata.windowColumn(window, column)
      const current = shares(
        values.map((v) => (v === null ? null : edges ? (typeof v === 'number' ? v : Number.NaN) : String(v))),
        edges,
        labels,
      )
      const result = latest.drift?.columns.find((c) => c.column === column)
      const verdict = result ? ` — ${result.test} ${fmt(result.statistic)}${result.drifted ? ' DRIFTED' : ''}` : ''
      figures.push(histogram(`${column}${verdict}`, labels, ref, current, result?.drifted === true))
    }
    sections.push(`<h2>Features: reference (blue) vs the latest window</h2><div class="grid">${figures.join('')}</div>`)
  }
  sections.push('<h2>Over time</h2>')
  sections.push(
    lineChart(
      'Share of drifted columns',
      passes.filter((p) => p.drift).map((p) => ({ x: p.at, y: p.drift?.share ?? 0 })),
      monitor.spec.drift?.share ?? 0.5,
    ),
  )
  const perf = passes.filter((p) => p.performance?.value != null)
  sections.push(
    lineChart(
      `Performance (${perf[0]?.performance?.metric ?? 'metric'}) with 95 % intervals`,
      perf.map((p) => ({
        x: p.at,
        y: p.performance?.value as number,
        ...(p.performance?.interval ? { lo: p.performance.interval[0], hi: p.performance.interval[1] } : {}),
      })),
      perf.at(-1)?.performance?.reference ?? undefined,
    ),
  )
  sections.push(
    lineChart(
      'Latency p99 (ms)',
      passes.filter((p) => p.service).map((p) => ({ x: p.at, y: p.service?.p99_ms ?? 0 })),
    ),
  )
  const alerts = latest?.alerts.map((a) => `<li>${esc(a.alert)}: <b>${a.state}</b></li>`).join('') ?? ''
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Keel monitor ${esc(name)}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}.grid{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0}figcaption{font-size:12px;color:#555}</style></head>
<body><h1>Monitor ${esc(name)} — deployment ${esc(monitor.deployment)}</h1>
<p>${passes.length} stored pass(es)${latest ? `; latest ${new Date(latest.at).toISOString()} over ${describeWindow(latest.window)}${latest.model ? ` of ${esc(latest.model.name)}@${latest.model.version}` : ''}` : ''}.</p>
${alerts ? `<h2>Alerts</h2><ul>${alerts}</ul>` : ''}
${(latest?.warnings ?? []).map((w) => `<p><i>${esc(w)}</i></p>`).join('')}
${sections.join('\n')}
</body></html>
`
}

/** `1000 predictions (the newest, window of 1000) from … to …`, for the report's summary line. */
function describeWindow(w: MonitorResult['window']): string {
  const span = `${new Date(w.start).toISOString()} – ${new Date(w.end).toISOString()}`
  if (w.last === undefined) return `${w.rows} predictions (${span})`
  return `the newest ${w.rows} predictions (count window of ${w.last}; ${w.rows === 0 ? 'none logged' : span})`
}
