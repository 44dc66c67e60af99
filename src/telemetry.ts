// Prometheus metrics of one broker instance (own registry, so several instances can live in one process).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Journal } from './journal/journal.js';
import type { PendingHead } from './journal/submission.js';
import type { DeliveryObserver } from './journal/worker.js';

export class Telemetry implements DeliveryObserver {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'qmb_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly requestDuration = new Histogram({
    name: 'qmb_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly validationFailures = new Counter({
    name: 'qmb_validation_failures_total',
    help: 'Payloads refused at acceptance, by metric and error code',
    labelNames: ['metric', 'code'] as const,
    registers: [this.registry],
  });
  readonly accepted = new Counter({
    name: 'qmb_accepted_submissions_total',
    help: 'Payloads accepted into the journal, by metric',
    labelNames: ['metric'] as const,
    registers: [this.registry],
  });
  readonly acceptedPoints = new Counter({
    name: 'qmb_accepted_points_total',
    help: 'Points accepted into the journal',
    registers: [this.registry],
  });
  readonly deliveryLatency = new Histogram({
    name: 'qmb_delivery_latency_seconds',
    help: 'Time from acceptance to delivery into the store',
    labelNames: ['database'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 120, 600, 3600],
    registers: [this.registry],
  });
  readonly deliveredPoints = new Counter({
    name: 'qmb_delivered_points_total',
    help: 'Points delivered into the store, by database',
    labelNames: ['database'] as const,
    registers: [this.registry],
  });
  readonly deliveryFailures = new Counter({
    name: 'qmb_delivery_failures_total',
    help: 'Failed writes to the store, by database and whether they are retried',
    labelNames: ['database', 'retried'] as const,
    registers: [this.registry],
  });
  readonly rejectedTotal = new Counter({
    name: 'qmb_rejected_submissions_total',
    help: 'Accepted payloads that the database refused for good, by database',
    labelNames: ['database'] as const,
    registers: [this.registry],
  });

  constructor(journal: Journal) {
    collectDefaultMetrics({ register: this.registry, prefix: 'qmb_' });
    new Gauge({
      name: 'qmb_journal_pending_submissions',
      help: 'Accepted payloads not yet delivered',
      registers: [this.registry],
      collect() {
        this.set(journal.pendingSubmissions);
      },
    });
    new Gauge({
      name: 'qmb_journal_pending_points',
      help: 'Accepted points not yet delivered (the journal depth)',
      registers: [this.registry],
      collect() {
        this.set(journal.pendingPoints);
      },
    });
  }

  /** Reports the ingest slots (src/http/ingest-slots.ts) of the app built last. */
  observeIngestSlots(slots: { readonly busy: number; readonly waiting: number }): void {
    const gauges: [string, string, () => number][] = [
      ['qmb_ingest_slots_busy', 'Ingest requests being read, parsed or journaled now (at most QMB_INGEST_CONCURRENCY)', () => slots.busy],
      ['qmb_ingest_slots_waiting', 'Ingest requests waiting for a slot, their bodies unread', () => slots.waiting],
    ];
    for (const [name, help, value] of gauges) {
      this.registry.removeSingleMetric(name);
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(value());
        },
      });
    }
  }

  delivered(database: string, entries: readonly PendingHead[], now: number): void {
    let points = 0;
    for (const e of entries) {
      this.deliveryLatency.observe({ database }, Math.max(0, now - e.receivedAt) / 1000);
      points += e.points;
    }
    this.deliveredPoints.inc({ database }, points);
  }

  failed(database: string, _message: string, willRetry: boolean): void {
    this.deliveryFailures.inc({ database, retried: willRetry ? 'yes' : 'no' });
  }

  rejected(database: string): void {
    this.rejectedTotal.inc({ database });
  }
}
