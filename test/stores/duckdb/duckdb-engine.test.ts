import { openDuckDbEngine } from '../../../src/stores/duckdb/duckdb-engine.js'
import { describeDataEngine } from '../data-engine.contract.js'

describeDataEngine('DuckDB', openDuckDbEngine)
