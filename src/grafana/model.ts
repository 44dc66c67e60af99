// Builders for the parts of a Grafana dashboard JSON model that the provisioned dashboards use.
import { dataSourceUid } from './databases.js';

/**
 * Where the dashboards' default time range starts: a date before the first quality metrics the
 * older broker stored (2020), so a migrated or demo history shows when a dashboard opens, whatever
 * today's date. A relative start (`now-1y`) shows nothing for a history that stopped a while ago.
 */
export const DEFAULT_TIME_FROM = '2019-01-01T00:00:00.000Z';

/** A plain JSON value, as written to the dashboard files. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Grafana's reference to a data source. */
export interface DataSourceRef extends JsonObject {
  type: 'influxdb';
  uid: string;
}

export interface Target extends JsonObject {
  refId: string;
  datasource: DataSourceRef;
  query: string;
  rawQuery: true;
  resultFormat: 'time_series' | 'table';
}

/** A query of a panel before it is given its refId and data source. */
export interface QuerySpec {
  query: string;
  format?: 'time_series' | 'table';
  /** Legend text; `$tag_<key>` names a GROUP BY tag, `$col` the column. */
  alias?: string;
}

export interface PanelSpec {
  type: 'timeseries' | 'barchart' | 'table' | 'bargauge' | 'stat' | 'text';
  title: string;
  description?: string;
  database?: string;
  queries?: QuerySpec[];
  width: number;
  height: number;
  fieldConfig?: JsonObject;
  options?: JsonObject;
  transformations?: JsonObject[];
  /** Repeat the panel for each selected value of this template variable. */
  repeat?: string;
}

export interface VariableSpec {
  name: string;
  label: string;
  database?: string;
  /** An InfluxQL SHOW query; absent for a custom variable. */
  query?: string;
  /** Custom variable values. */
  values?: string[];
  /** Grafana keeps the first capture group of this regex from each result. */
  regex?: string;
  multi?: boolean;
  includeAll?: boolean;
  description?: string;
}

/** A data source reference for a database. */
export function ds(database: string): DataSourceRef {
  return { type: 'influxdb', uid: dataSourceUid(database) };
}

function variable(v: VariableSpec): JsonObject {
  const common: JsonObject = {
    name: v.name,
    label: v.label,
    description: v.description ?? null,
    hide: 0,
    skipUrlSync: false,
    multi: v.multi ?? false,
    includeAll: v.includeAll ?? false,
    current: v.includeAll ? { selected: true, text: ['All'], value: ['$__all'] } : {},
  };
  if (v.values) {
    const joined = v.values.join(',');
    return {
      ...common,
      type: 'custom',
      query: joined,
      options: v.values.map((value, i) => ({ selected: i === 0, text: value, value })),
    };
  }
  if (!v.database || !v.query) throw new Error(`variable ${v.name}: a query variable needs a database and a query`);
  return {
    ...common,
    type: 'query',
    datasource: ds(v.database),
    definition: v.query,
    query: v.query,
    regex: v.regex ?? '',
    refresh: 1,
    sort: 1,
    options: [],
  };
}

/**
 * Collects panels into rows of a 24-column grid, numbering them, and renders the dashboard.
 */
export class DashboardBuilder {
  readonly #panels: JsonObject[] = [];
  readonly #variables: JsonObject[] = [];
  #nextId = 1;
  #x = 0;
  #y = 0;
  #rowHeight = 0;

  constructor(
    readonly uid: string,
    readonly title: string,
    readonly description: string,
  ) {}

  /** Adds a template variable; variables are shown in the order they are added. */
  variable(v: VariableSpec): this {
    this.#variables.push(variable(v));
    return this;
  }

  /** Starts a new titled row. */
  row(title: string): this {
    this.#newLine();
    this.#panels.push({
      id: this.#nextId++,
      type: 'row',
      title,
      collapsed: false,
      gridPos: { h: 1, w: 24, x: 0, y: this.#y },
      panels: [],
    });
    this.#y += 1;
    return this;
  }

  /** Adds a panel to the right of the previous one, or on a new line when the row is full. */
  panel(p: PanelSpec): this {
    if (this.#x + p.width > 24) this.#newLine();
    const panel: JsonObject = {
      id: this.#nextId++,
      type: p.type,
      title: p.title,
      description: p.description ?? '',
      gridPos: { h: p.height, w: p.width, x: this.#x, y: this.#y },
    };
    if (p.database) {
      panel['datasource'] = ds(p.database);
      const database = p.database;
      panel['targets'] = (p.queries ?? []).map((q, i) => {
        const target: Target = {
          refId: String.fromCharCode(65 + i),
          datasource: ds(database),
          query: q.query,
          rawQuery: true,
          resultFormat: q.format ?? 'time_series',
        };
        if (q.alias) target['alias'] = q.alias;
        return target;
      });
    }
    panel['fieldConfig'] = p.fieldConfig ?? { defaults: {}, overrides: [] };
    panel['options'] = p.options ?? {};
    if (p.transformations) panel['transformations'] = p.transformations;
    if (p.repeat) {
      panel['repeat'] = p.repeat;
      panel['repeatDirection'] = 'h';
      panel['maxPerRow'] = 3;
    }
    this.#panels.push(panel);
    this.#x += p.width;
    this.#rowHeight = Math.max(this.#rowHeight, p.height);
    return this;
  }

  #newLine(): void {
    this.#y += this.#rowHeight;
    this.#x = 0;
    this.#rowHeight = 0;
  }

  /** The dashboard JSON model, as Grafana's file provider reads it. */
  build(): JsonObject {
    return {
      uid: this.uid,
      title: this.title,
      description: this.description,
      tags: ['quality-metrics'],
      editable: true,
      graphTooltip: 1,
      schemaVersion: 39,
      version: 1,
      time: { from: DEFAULT_TIME_FROM, to: 'now' },
      timepicker: {},
      timezone: 'utc',
      refresh: '',
      links: [
        {
          title: 'Quality metrics',
          type: 'dashboards',
          tags: ['quality-metrics'],
          asDropdown: true,
          includeVars: false,
          keepTime: true,
          icon: 'external link',
          targetBlank: false,
          tooltip: '',
          url: '',
        },
      ],
      annotations: { list: [] },
      templating: { list: this.#variables },
      panels: this.#panels,
    };
  }
}

/** Field config that shows values as bytes. */
export function bytes(extra: JsonObject = {}): JsonObject {
  return { defaults: { unit: 'bytes', ...extra }, overrides: [] };
}

/** Field config that draws a time series as points joined by lines (one point per commit). */
export function pointsAndLines(unit = 'short'): JsonObject {
  return {
    defaults: {
      unit,
      custom: { drawStyle: 'line', lineWidth: 1, showPoints: 'always', pointSize: 5, spanNulls: true },
    },
    overrides: [],
  };
}

/** Options of a bar gauge that shows the last value of every field as one bar. */
export function barsPerField(): JsonObject {
  return {
    orientation: 'horizontal',
    displayMode: 'basic',
    showUnfilled: true,
    reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
  };
}

/** Options of a bar chart of a table's rows, with `xField` on the category axis. */
export function barChart(xField: string): JsonObject {
  return { xField, orientation: 'vertical', showValue: 'auto', stacking: 'none', legend: { showLegend: true, displayMode: 'list', placement: 'bottom', calcs: [] } };
}

/** Sorts table rows by a field (ascending). */
export function sortBy(field: string): JsonObject {
  return { id: 'sortBy', options: { fields: {}, sort: [{ field, desc: false }] } };
}

/** A field override that turns the values of a URL column into links. */
export function linkColumn(field: string): JsonObject {
  return {
    matcher: { id: 'byName', options: field },
    properties: [{ id: 'links', value: [{ title: 'Open', url: '${__value.raw}', targetBlank: true }] }],
  };
}
