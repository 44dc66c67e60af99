// Submissions as the journal stores them and the API shows them.
import type { SUBMISSION_STATUSES } from '../contract/submission.js';

export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];

/** What the broker knows about one accepted payload. */
export interface Submission {
  id: number;
  metric: string;
  apiVersion: string;
  database: string;
  userId: number | null;
  /** Points stored: one per series and time of the payload. */
  points: number;
  /** Items of the payload that repeated an earlier item's series and time (merged into it). */
  duplicates: number;
  /** The first few of those items' indexes in `data`. */
  duplicateItems: number[];
  status: SubmissionStatus;
  attempts: number;
  lastError: string | null;
  receivedAt: number;
  deliveredAt: number | null;
  updatedAt: number;
}

/** A pending submission as a delivery settles it: without its line protocol, which the sink has taken. */
export interface PendingHead {
  id: number;
  points: number;
  receivedAt: number;
}

/** A submission with its line protocol, as the delivery worker reads it. */
export interface PendingEntry extends PendingHead {
  lines: string;
}

export interface NewSubmission {
  metric: string;
  apiVersion: string;
  database: string;
  userId: number | null;
  points: number;
  /** Repeated items merged away (0 when left out). */
  duplicates?: number;
  duplicateItems?: number[];
  lines: string;
}

/** What an append answers: the submission just journaled, pending. */
export function acceptedSubmission(id: number, entry: NewSubmission, now: number): Submission {
  return {
    id,
    metric: entry.metric,
    apiVersion: entry.apiVersion,
    database: entry.database,
    userId: entry.userId,
    points: entry.points,
    duplicates: entry.duplicates ?? 0,
    duplicateItems: entry.duplicateItems ?? [],
    status: 'pending',
    attempts: 0,
    lastError: null,
    receivedAt: now,
    deliveredAt: null,
    updatedAt: now,
  };
}

/** A row of the submissions table. */
export interface Row {
  id: number;
  metric: string;
  api_version: string;
  database: string;
  user_id: number | null;
  points: number;
  duplicates: number;
  /** JSON array of item indexes. */
  duplicate_items: string;
  status: SubmissionStatus;
  attempts: number;
  last_error: string | null;
  received_at: number;
  delivered_at: number | null;
  updated_at: number;
}

export const COLUMNS = 'id, metric, api_version, database, user_id, points, duplicates, duplicate_items, status, attempts, last_error, received_at, delivered_at, updated_at';

/** The API shape of a row. */
export function fromRow(r: Row): Submission {
  return {
    id: r.id,
    metric: r.metric,
    apiVersion: r.api_version,
    database: r.database,
    userId: r.user_id,
    points: r.points,
    duplicates: r.duplicates,
    duplicateItems: JSON.parse(r.duplicate_items) as number[],
    status: r.status,
    attempts: r.attempts,
    lastError: r.last_error,
    receivedAt: r.received_at,
    deliveredAt: r.delivered_at,
    updatedAt: r.updated_at,
  };
}
