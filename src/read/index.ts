// The read side: one interface over InfluxDB and the embedded store.
export * from './read-store.js';
export { createReadStore } from './create-read-store.js';
export { EmbeddedReadStore } from '../embedded/read-store.js';
export { InfluxReadStore } from '../influx/read-store.js';
export { rowsQuery, seriesQuery } from './read-params.js';
