// The broker's HTTP API as the dashboard uses it: login through /auth, reads with the token.

const TOKEN_KEY = 'qmb-token';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function logout() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** Logs in; throws ApiError with the broker's message on failure. */
export async function login(username, password) {
  const res = await fetch('/auth', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }) });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, body.description || body.data || `login failed (${res.status})`);
  sessionStorage.setItem(TOKEN_KEY, body.access_token);
}

/** GET a JSON answer; params: object of string | string[] values. */
export async function get(path, params = {}) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    for (const one of Array.isArray(v) ? v : [v]) qs.append(k, String(one));
  }
  const url = qs.size ? `${path}?${qs}` : path;
  const t = token();
  const res = await fetch(url, { headers: t ? { Authorization: `JWT ${t}` } : {} });
  const body = await res.json().catch(() => ({}));
  if (res.status === 401) {
    logout();
    window.dispatchEvent(new Event('qmb-logged-out'));
  }
  if (!res.ok) throw new ApiError(res.status, body.data || `HTTP ${res.status}`);
  return body;
}

const db = (name) => `/api/v1/databases/${encodeURIComponent(name)}`;

/** Measurements of a database; [] when the database does not exist yet. */
export async function measurements(database) {
  try {
    return (await get(`${db(database)}/measurements`)).measurements;
  } catch (err) {
    if (err.status === 404) return [];
    throw err;
  }
}

export async function tagValues(database, key, measurement, where = {}) {
  try {
    return (await get(`${db(database)}/tags/${encodeURIComponent(key)}`, { measurement, ...tagParams(where) })).values;
  } catch (err) {
    if (err.status === 404) return [];
    throw err;
  }
}

export async function fieldKeys(database, measurement) {
  try {
    return (await get(`${db(database)}/fields`, { measurement })).fields;
  } catch (err) {
    if (err.status === 404) return [];
    throw err;
  }
}

function tagParams(where) {
  const out = {};
  for (const [k, v] of Object.entries(where)) if (v !== undefined && v !== '') out[`tag.${k}`] = v;
  return out;
}

/** Table rows `{time, tags, fields}`; time converted to milliseconds as `ms`. from/to: the read API's range. */
export async function rows(database, measurement, { where = {}, fields, order, limit, from, to } = {}) {
  try {
    const body = await get(`${db(database)}/rows`, { measurement, field: fields, order, limit, from, to, ...tagParams(where) });
    for (const r of body.rows) r.ms = Number(r.time.slice(0, -6) || '0');
    return body.rows;
  } catch (err) {
    if (err.status === 404) return [];
    throw err;
  }
}

export async function series(database, measurement, { fields, where = {}, groupBy, aggregate, interval, order, limit, from, to } = {}) {
  try {
    return (await get(`${db(database)}/series`, { measurement, field: fields, group_by: groupBy, aggregate, interval, order, limit, from, to, ...tagParams(where) })).series;
  } catch (err) {
    if (err.status === 404) return [];
    throw err;
  }
}

/** The time (ms) of the newest point matching `where`, or undefined: what a time-range preset counts back from. */
export async function newestMs(database, measurement, where = {}) {
  const [r] = await rows(database, measurement, { where, order: 'desc', limit: 1 });
  return r?.ms;
}

/** Recorded checks, newest first, without their rows (GET /api/v1/checks). */
export async function checks({ verdict, revision, limit } = {}) {
  return (await get('/api/v1/checks', { verdict, revision, limit })).checks;
}

/** One recorded check with its rows. */
export async function check(id) {
  return get(`/api/v1/checks/${encodeURIComponent(id)}`);
}

/** A row's series over the stored revisions, with the check's base and head (GET /api/v1/checks/{id}/history). */
export async function checkHistory(id, row) {
  return get(`/api/v1/checks/${encodeURIComponent(id)}/history`, { row });
}
