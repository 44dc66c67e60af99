// The regression gate's engine: compare a head with its baseline, judge, render, record.
export * from './result.js';
export * from './series.js';
export { type CheckSource, ReadStoreCheckSource, SNAPSHOT_WINDOW_NS } from './check-source.js';
export { type CheckRequest, runCheck } from './engine.js';
export { type HeadMetric, headFromPayloads, headFromRevision } from './head.js';
export { previousRevisions } from './previous.js';
export { type Budgets, NO_BUDGETS, decide, parseBudgets, validateBudgets } from './budgets.js';
export { type BudgetRule, type BudgetsFile, BudgetsSchema, budgetsJsonSchema } from './budgets-schema.js';
export { type Waiver, applyWaivers, parseWaiver, parseWaivers, waiverLines } from './waivers.js';
export { countRows, sortRows, verdictOf } from './verdict.js';
export { type CheckListQuery, type CheckStore, CHECK_LIST_DEFAULTS, SqliteCheckStore } from './check-store.js';
export { renderText, verdictLine } from './render-text.js';
export { SUMMARY_MAX_BYTES, renderMarkdown } from './render-markdown.js';
export { renderJUnit } from './render-junit.js';
export { type GerritReviewInput, renderGerrit } from './render-gerrit.js';
