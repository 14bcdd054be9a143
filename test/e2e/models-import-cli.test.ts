import type { SpawnSyncReturns } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ATTRIBUTE, DATA_TYPE, modelProto } from '../../src/learn/onnx/proto.js'
import { runKeel } from '../helpers/cli.js'
import { REPO_ROOT, writeProject } from '../helpers/project.js'
import { tempDir } from '../helpers/temp.js'

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures')

function keel(args: string[], cwd: string): SpawnSyncReturns<string> {
  return runKeel(args, cwd, { KEEL_USER: 'importer' }, 120_000)
}

function json<T>(result: SpawnSyncReturns<string>): T {
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
  return JSON.parse(result.stdout) as T
}

/** A one-op ONNX model on a float input [N, p]. */
function onnxFile(path: string, op: string, p: number, attributes: Record<string, unknown>[]): string {
  const proto = modelProto()
  const graph = {
    name: 'g',
    node: [{ op_type: op, domain: 'ai.onnx.ml', input: ['x'], output: ['y'], attribute: attributes }],
    input: [{ name: 'x', type: { tensor_type: { elem_type: DATA_TYPE.FLOAT, shape: { dim: [{ dim_param: 'N' }, { dim_value: p }] } } } }],
    output: [{ name: 'y', type: { tensor_type: { elem_type: DATA_TYPE.FLOAT } } }],
  }
  const opsets = [
    { domain: '', version: 17 },
    { domain: 'ai.onnx.ml', version: 3 },
  ]
  writeFileSync(path, proto.encode(proto.create({ ir_version: 8, opset_import: opsets, graph })).finish())
  return path
}

interface Imported {
  name: string
  version: number
  importCheck: { reference: string; rows: number; maxDifference: number }
}

describe('keel models import (built CLI, real project)', () => {
  const dir = writeProject(tempDir('keel-import-e2e-'), "{ name: 'import-e2e' }")

  it('imports scikit-learn models exported to ONNX, checked with ONNX Runtime first, and exports them back', () => {
    const gb = json<Imported>(
      keel(
        [
          'models',
          'import',
          join(FIXTURES, 'onnx-models', 'gb-binary.onnx'),
          '--name',
          'cancer',
          '--label',
          'benign',
          '--classes',
          'malignant,benign',
          '--json',
        ],
        dir,
      ),
    )
    expect(gb).toMatchObject({ name: 'cancer', version: 1, importCheck: { reference: 'onnxruntime', rows: 1000 } })
    expect(gb.importCheck.maxDifference).toBeLessThan(1e-5)
    const shown = json<{ signature: { inputs: { name: string }[]; output: { classes: string[] } } }>(keel(['models', 'show', 'cancer', '--json'], dir))
    expect(shown.signature.inputs).toHaveLength(30)
    expect(shown.signature.output.classes).toEqual(['malignant', 'benign'])
    // registered with an ONNX export of the Keel model, checked on the same rows
    const exported = json<{ bytes: number }>(keel(['models', 'export', 'cancer@1', '--format', 'onnx', '--out', 'cancer.onnx', '--json'], dir))
    expect(readFileSync(join(dir, 'cancer.onnx')).length).toBe(exported.bytes)
    const linear = json<Imported>(
      keel(['models', 'import', join(FIXTURES, 'onnx-models', 'linear-regression.onnx'), '--name', 'progression', '--label', 'y', '--json'], dir),
    )
    expect(linear.importCheck).toMatchObject({ reference: 'onnxruntime', rows: 1000 })
    const text = keel(['models', 'import', join(FIXTURES, 'onnx-models', 'rf-regression.onnx'), '--name', 'progression', '--label', 'progression'], dir)
    expect(text.stderr).toBe('')
    expect(text.stdout).toMatch(/^registered progression@2 \(imported from .*rf-regression\.onnx; checked against onnxruntime on 1000 rows, max difference /)
  })

  it('checks on the rows of --sample when given', () => {
    const data = JSON.parse(readFileSync(join(FIXTURES, 'onnx-models', 'iris.data.json'), 'utf8')) as Record<string, number[]>
    const names = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']
    const rows = (data.f0 ?? []).map((_, i) => Object.values(data).map((c) => c[i]))
    writeFileSync(join(dir, 'iris.csv'), `${names.join(',')}\n${rows.map((r) => r.join(',')).join('\n')}\n`)
    const args = [
      'models',
      'import',
      join(FIXTURES, 'onnx-models', 'logistic-multinomial.onnx'),
      '--name',
      'iris',
      '--label',
      'species',
      '--features',
      names.join(','),
    ]
    const imported = json<Imported>(keel([...args, '--sample', 'iris.csv', '--json'], dir))
    expect(imported.importCheck).toMatchObject({ reference: 'onnxruntime', rows: 150 })
    const missing = keel([...args, '--sample', 'iris.csv', '--features', 'a,b,c,d'], dir)
    expect(missing.status).toBe(64)
    expect(missing.stderr).toMatch(/^error CLI_USAGE: --sample iris.csv has no column "a", "b", "c", "d"/)
  })

  it("checks XGBoost imports against XGBoost's own rule", () => {
    const imported = json<Imported>(
      keel(['models', 'import', join(FIXTURES, 'xgboost-models', 'multiclass.json'), '--name', 'xgb', '--label', 'y', '--json'], dir),
    )
    expect(imported.importCheck).toMatchObject({ reference: 'xgboost-json', rows: 1000 })
    expect(imported.importCheck.maxDifference).toBeLessThan(1e-5)
  })

  it('refuses unsupported ops by name, and registers nothing when the converted model disagrees with its source', () => {
    onnxFile(join(dir, 'svm.onnx'), 'SVMRegressor', 2, [])
    const svm = keel(['models', 'import', 'svm.onnx', '--name', 'svm', '--label', 'y'], dir)
    expect(svm.status).toBe(2)
    expect(svm.stderr).toMatch(/^error MODEL_FORMAT_UNSUPPORTED: the ONNX op SVMRegressor \(ai\.onnx\.ml\) is not supported/)
    // 1e8 × (x0 − x1) on nearly equal inputs: ONNX Runtime rounds them to float32 first, Keel does not
    const floats = (name: string, values: number[]) => ({ name, type: ATTRIBUTE.FLOATS, floats: values })
    onnxFile(join(dir, 'steep.onnx'), 'LinearRegressor', 2, [floats('coefficients', [1e8, -1e8]), floats('intercepts', [0])])
    writeFileSync(join(dir, 'steep.csv'), 'f0,f1\n0.1,0.1000001\n0.7,0.2\n')
    const steep = keel(['models', 'import', 'steep.onnx', '--name', 'steep', '--label', 'y', '--sample', 'steep.csv'], dir)
    expect(steep.status).toBe(70)
    expect(steep.stderr).toMatch(
      /^error MODEL_IMPORT_MISMATCH: the converted model predicts -10(\.\d+)? where onnxruntime predicts -9\.\d+ \(row 0: \{"f0":0\.1,"f1":0\.1000001\}/,
    )
    expect(json<{ name: string }[]>(keel(['models', 'list', '--json'], dir)).map((v) => v.name)).not.toContain('steep')
  })
})
