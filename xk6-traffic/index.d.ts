// Type definitions for xk6-traffic (lib/traffic.js): trafficsim's load-run control API.

/** GET /v1/status */
export interface Status {
  elapsed: string;
  paused: boolean;
  cameras: number;
  /** probe readers running (plans with reader scenarios) */
  readers?: number;
  scenarios: Record<string, ScenarioView>;
}

export interface ScenarioView {
  executor: 'ramping-cameras' | 'constant-cameras' | 'externally-controlled' | 'ramping-readers' | 'constant-reader-rate';
  cameras: number;
  online: string[];
  leases: number;
  /** probe readers running (reader scenarios) */
  readers?: number;
  /** set by PATCH /v1/status {cameras} */
  fixed?: number;
}

/** PATCH /v1/status body */
export interface StatusPatch {
  paused?: boolean;
  /** fix the scenario's camera count; negative: back to its stages */
  cameras?: number;
  /** default: the first camera scenario */
  scenario?: string;
}

/** PUT /v1/cameras/{id} answer */
export interface Lease {
  camera: string;
  ttl: string;
  until: string;
}

/** GET /v1/metrics: every metric's totals, k6's end-of-test shape */
export type Metrics = Record<MetricName, MetricSummary | undefined>;

export interface MetricSummary {
  type: 'counter' | 'gauge' | 'rate' | 'trend';
  unit?: string;
  values: Record<string, number>;
}

export type MetricName =
  | 'cameras' | 'readers' | 'latency' | 'time_error' | 'detected' | 'f1' | 'precision' | 'recall'
  | 'plate_accuracy' | 'events' | 'frames_delivered' | 'frames_lost' | 'farm_lateness' | 'decode_fps'
  | 'packets_lost' | 'device_pending' | 'cluster_pending' | 'center_ingest_errors' | 'harness_cpu'
  | 'reader_frames' | 'reader_packets_lost' | 'reader_lateness' | 'reader_failures';

export interface ControlOptions {
  /** k6 request timeout, default '5s' */
  timeout?: string;
}

export class Control {
  constructor(url: string, token: string, opts?: ControlOptions);
  status(): Status;
  patch(change: StatusPatch): Status;
  lease(id: string, ttl?: string, scenario?: string): Lease;
  release(id: string): void;
  metrics(): Metrics;
  value(metric: MetricName, agg: string): number | undefined;
}

/** the id of camera n (1-based): cam-001 */
export function cameraId(n: number, prefix?: string): string;
