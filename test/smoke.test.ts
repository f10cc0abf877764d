import t from 'tap'
import { DEFAULT_PLAN_OPTIONS } from '../src/model.js'
t.equal(DEFAULT_PLAN_OPTIONS.maxMtu, 1500)
