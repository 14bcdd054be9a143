/**
 * @module One measurement per process: `keel <file>` snapshots the file under the benchmark
 * contract; `duckdb <file>` copies it to Parquet with DuckDB alone. Prints one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { contract } from '../../src/data/contracts/contract.js'
import { dataset } from '../../src/data/dataset.js'
import { snapshotDataset } from '../../src/data/snapshot.js'
import { csv } from '../../src/data/sources/source.js'
import { openDuckDbEngine } from '../../src/stores/duckdb/duckdb-engine.js'
import { openFilesystemArtifactStore } from '../../src/stores/filesystem/filesystem-artifact-store.js'
import { openSqliteMetadataStore } from '../../src/stores/sqlite/sqlite-metadata-store.js'

const [mode, file] = process.argv.slice(2) as [string, string]
const scratch = mkdtempSync(join(tmpdir(), 'keel-bench-data-'))
const peakRssMB = () => process.resourceUsage().maxRSS / 1024

const features = Object.fromEntries(Array.from({ length: 20 }, (_, j) => [`f${j}`, { type: 'float' as const, ...(j < 5 ? { nullable: false } : {}) }]))
const benchContract = contract({
  columns: {
    ...features,
    f5: { type: 'float', min: 0, max: 100 },
    label: { type: 'int', values: [0, 1] },
  },
  rows: { min: 1 },
  checks: [{ name: 'sum_positive', sql: 'f0 + f1 >= 0' }],
  policy: 'quarantine',
})

try {
  const start = performance.now()
  if (mode === 'duckdb') {
    const instance = await DuckDBInstance.create(':memory:')
    const connection = await instance.connect()
    await connection.run(`COPY (SELECT * FROM read_csv('${file}')) TO '${join(scratch, 'out.parquet')}' (FORMAT PARQUET, COMPRESSION ZSTD)`)
    const reader = await connection.runAndReadAll(`SELECT count(*) FROM '${join(scratch, 'out.parquet')}'`)
    const rows = Number(reader.getRows()[0]?.[0])
    connection.closeSync()
    instance.closeSync()
    console.log(JSON.stringify({ seconds: (performance.now() - start) / 1000, rows, peakRssMB: peakRssMB() }))
  } else {
    const engine = await openDuckDbEngine()
    const metadata = await openSqliteMetadataStore({ path: join(scratch, 'keel.db') })
    const artifacts = await openFilesystemArtifactStore({ root: join(scratch, 'artifacts') })
    const ds = dataset({ source: csv(file), contract: benchContract })
    const result = await snapshotDataset({ engine, metadata, artifacts, configHash: null }, 'bench', ds, {
      root: dirname(file),
      interpolate: (v) => v,
      secret: () => undefined,
    })
    await Promise.all([engine.close(), metadata.close(), artifacts.close()])
    console.log(
      JSON.stringify({
        seconds: (performance.now() - start) / 1000,
        rows: result.snapshot.rows,
        quarantined: result.snapshot.quarantined,
        peakRssMB: peakRssMB(),
      }),
    )
  }
} finally {
  rmSync(scratch, { recursive: true, force: true })
}
