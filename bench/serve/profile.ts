/**
 * @module Reading a V8 `.cpuprofile` (from `node --cpu-prof`): where the server's time went, by
 * function (self and inclusive) and by area (Keel's serving code, the model, Fastify, Node's
 * HTTP, prom-client, SQLite, GC, idle).
 */
import { existsSync, readFileSync } from 'node:fs'
import { SourceMap } from 'node:module'
import { fileURLToPath } from 'node:url'
import { transformSync } from 'esbuild'

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number; readonly columnNumber: number }
  readonly children?: readonly number[]
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
  readonly startTime: number
  readonly endTime: number
}

export interface ProfileRow {
  readonly name: string
  readonly ms: number
  readonly percent: number
}

export interface ProfileSummary {
  readonly totalMs: number
  /** Share of non-idle time by area. */
  readonly areas: readonly ProfileRow[]
  readonly selfTop: readonly ProfileRow[]
  readonly inclusiveTop: readonly ProfileRow[]
}

const AREAS: readonly [string, RegExp][] = [
  ['keel: model predict (learn/)', /\/(src|dist)\/learn\//],
  ['keel: serving (serve/)', /\/(src|dist)\/serve\//],
  ['keel: core (core/)', /\/(src|dist)\/core\//],
  ['keel: stores (stores/)', /\/(src|dist)\/stores\//],
  ['prom-client', /node_modules\/prom-client\//],
  ['better-sqlite3', /node_modules\/better-sqlite3\//],
  [
    'fastify and its deps',
    /node_modules\/(fastify|@fastify|find-my-way|avvio|light-my-request|fast-json-stringify|secure-json-parse|fast-querystring|abstract-logging|pino|toad-cache|process-warning|rfdc|fast-decode-uri-component)/,
  ],
  ['other node_modules', /node_modules\//],
  ['node: http, net, streams', /^node:(_http|http|net|stream|internal\/(http|streams|stream_base|net|js_stream))/],
  ['node: other internals', /^node:/],
]

const maps = new Map<string, SourceMap | null>()

/**
 * The source map back to TypeScript: the built package's own `.js.map`, or for TypeScript run by
 * tsx (minified to one line) the same esbuild transform tsx makes. Null when there is none.
 */
function sourceMapOf(path: string): SourceMap | null {
  if (!maps.has(path)) {
    let map: SourceMap | null = null
    if (path.endsWith('.js') && existsSync(`${path}.map`)) {
      map = new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8')))
    } else if (path.endsWith('.ts') && existsSync(path)) {
      const out = transformSync(readFileSync(path, 'utf8'), {
        loader: 'ts',
        format: 'esm',
        target: `node${process.versions.node}`,
        sourcemap: 'external',
        minifyWhitespace: true,
        keepNames: true,
        sourcefile: path,
      })
      map = new SourceMap(JSON.parse(out.map))
    }
    maps.set(path, map)
  }
  return maps.get(path) ?? null
}

function where(frame: ProfileNode['callFrame']): string {
  const path = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url
  const entry = sourceMapOf(path)?.findEntry(frame.lineNumber, frame.columnNumber)
  if (entry !== undefined && 'originalLine' in entry) {
    const source = entry.originalSource.replace(/^.*\/(src|node_modules|bench)\//, '$1/')
    return `${frame.functionName || '(anonymous)'} ${source}:${entry.originalLine + 1}`
  }
  return `${frame.functionName || '(anonymous)'} ${path.replace(/^.*\/(src|dist|node_modules)\//, '$1/')}:${frame.lineNumber + 1}`
}

function area(frame: ProfileNode['callFrame']): string {
  if (frame.url === '') return frame.functionName.startsWith('(') ? frame.functionName : 'native / builtins'
  const url = frame.url.replace(/^file:\/\//, '')
  return AREAS.find(([, re]) => re.test(url))?.[0] ?? 'other'
}

function rows(map: Map<string, number>, total: number, n: number): ProfileRow[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: us / 1000, percent: (100 * us) / total }))
}

/**
 * Self time by function and area, and inclusive time by function, over the busy (non-idle) samples.
 *
 * @example
 * ```ts
 * const s = summarizeProfile('bench/.cache/serve/profile/CPU.….cpuprofile')
 * s.areas // [{ name: 'node: http, net, streams', ms: 4100, percent: 31 }, …]
 * ```
 */
export function summarizeProfile(path: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const self = new Map<string, number>()
  const inclusive = new Map<string, number>()
  const areas = new Map<string, number>()
  let busy = 0
  profile.samples.forEach((id, i) => {
    const node = byId.get(id)
    const dt = profile.timeDeltas[i + 1] ?? 0
    if (!node || node.callFrame.functionName === '(idle)') return
    busy += dt
    self.set(where(node.callFrame), (self.get(where(node.callFrame)) ?? 0) + dt)
    areas.set(area(node.callFrame), (areas.get(area(node.callFrame)) ?? 0) + dt)
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = (byId.get(at) as ProfileNode).callFrame
      if (frame.url === '') continue
      const key = where(frame)
      if (seen.has(key)) continue
      seen.add(key)
      inclusive.set(key, (inclusive.get(key) ?? 0) + dt)
    }
  })
  return { totalMs: busy / 1000, areas: rows(areas, busy, 20), selfTop: rows(self, busy, top), inclusiveTop: rows(inclusive, busy, top) }
}

/** The summary as Markdown tables. */
export function profileMarkdown(s: ProfileSummary): string {
  const table = (title: string, r: readonly ProfileRow[]) =>
    [`| ${title} | ms | % of busy |`, '| --- | --- | --- |', ...r.map((x) => `| \`${x.name}\` | ${x.ms.toFixed(0)} | ${x.percent.toFixed(1)} |`)].join('\n')
  return [
    `Busy (non-idle) CPU time sampled: ${s.totalMs.toFixed(0)} ms.`,
    '',
    table('area (self time)', s.areas),
    '',
    table('function (self time)', s.selfTop),
    '',
    table('function (inclusive time)', s.inclusiveTop),
    '',
  ].join('\n')
}

// `npx tsx bench/serve/profile.ts <file.cpuprofile> [top]` summarizes a profile again
if (import.meta.filename === process.argv[1] && process.argv[2] !== undefined) {
  process.stdout.write(profileMarkdown(summarizeProfile(process.argv[2], Number(process.argv[3] ?? 25))))
}
