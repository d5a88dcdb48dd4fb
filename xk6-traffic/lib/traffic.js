// xk6-traffic: drive trafficsim's load-run control API from k6 with k6's own k6/http.
// Nothing here is k6 code: it is plain JavaScript that k6 (installed by you) runs.
//
//   import { Control } from './lib/traffic.js';
//   const ctl = new Control(__ENV.TRAFFICSIM_URL, __ENV.TRAFFICSIM_TOKEN);
//   ctl.lease(`cam-${String(__VU).padStart(3, '0')}`, '3s');
import http from 'k6/http';

// Every call has a timeout: a control API that hangs must not hang the test.
const TIMEOUT = '5s';

export class Control {
  // url: the control API printed by `trafficsim load` (http://127.0.0.1:PORT);
  // token: its bearer token (--control-token, or the one printed).
  constructor(url, token, opts = {}) {
    if (!url) throw new Error('xk6-traffic: no control API URL (set TRAFFICSIM_URL)');
    this.url = url.replace(/\/+$/, '');
    this.params = {
      headers: { Authorization: `Bearer ${token || ''}`, 'Content-Type': 'application/json' },
      timeout: opts.timeout || TIMEOUT,
      tags: { name: 'trafficsim-control' },
    };
  }

  // GET /v1/status: {elapsed, paused, cameras, scenarios: {name: {executor, cameras, online, leases, fixed}}}
  status() {
    return this._json(http.get(`${this.url}/v1/status`, this.params));
  }

  // PATCH /v1/status: pause or resume the plan's clock, or fix a scenario's camera count
  // (negative: back to its stages). patch({paused: true}), patch({cameras: 20, scenario: 'knee'})
  patch(change) {
    return this._json(http.patch(`${this.url}/v1/status`, JSON.stringify(change), this.params));
  }

  // PUT /v1/cameras/{id}?ttl=3s: the camera stays online while the lease is renewed.
  lease(id, ttl = '3s', scenario = '') {
    let q = `ttl=${encodeURIComponent(ttl)}`;
    if (scenario) q += `&scenario=${encodeURIComponent(scenario)}`;
    return this._json(http.put(`${this.url}/v1/cameras/${encodeURIComponent(id)}?${q}`, null, this.params));
  }

  // DELETE /v1/cameras/{id}: ends a lease at once.
  release(id) {
    const r = http.del(`${this.url}/v1/cameras/${encodeURIComponent(id)}`, null, this.params);
    if (r.status !== 204) throw new Error(`xk6-traffic: release ${id}: ${r.status} ${r.body}`);
  }

  // GET /v1/metrics: {metric: {type, unit, values: {"p(95)": ..., count: ..., rate: ...}}}
  metrics() {
    return this._json(http.get(`${this.url}/v1/metrics`, this.params));
  }

  // value reads one aggregate back, e.g. value('latency', 'p(95)'); undefined when not yet there.
  value(metric, agg) {
    const m = this.metrics()[metric];
    return m ? m.values[agg] : undefined;
  }

  _json(r) {
    if (r.status < 200 || r.status > 299) {
      throw new Error(`xk6-traffic: ${r.request ? r.request.method : ''} ${r.url}: ${r.status} ${r.body}`);
    }
    return r.json();
  }
}

// cameraId is the id trafficsim gives camera n (1-based) of a plan's only scenario: cam-001.
export function cameraId(n, prefix = 'cam-') {
  return prefix + String(n).padStart(3, '0');
}
