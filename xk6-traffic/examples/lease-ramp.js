// Each k6 VU is one camera: it leases cam-<VU> and renews the lease every second, so k6's
// stages ramp the cameras trafficsim plays to the device under test. Thresholds are judged on
// trafficsim's own metrics, read back from the control API into k6 metrics.
//
//   trafficsim load xk6-traffic/plans/externally-controlled.yaml --control 127.0.0.1:6680 --control-token secret &
//   TRAFFICSIM_URL=http://127.0.0.1:6680 TRAFFICSIM_TOKEN=secret k6 run xk6-traffic/examples/lease-ramp.js
import { sleep } from 'k6';
import { Gauge } from 'k6/metrics';
import { Control, cameraId } from '../lib/traffic.js';

const ctl = new Control(__ENV.TRAFFICSIM_URL, __ENV.TRAFFICSIM_TOKEN);

const latencyP95 = new Gauge('trafficsim_latency_p95', true);
const framesLost = new Gauge('trafficsim_frames_lost');
const decodeFPS = new Gauge('trafficsim_decode_fps_avg');

export const options = {
  scenarios: {
    cameras: {
      executor: 'ramping-vus',
      startVUs: 10,
      stages: [
        { duration: '60s', target: 10 },
        { duration: '0s', target: 20 },
        { duration: '60s', target: 20 },
        { duration: '0s', target: 30 },
        { duration: '60s', target: 30 },
      ],
      gracefulRampDown: '0s',
    },
    readback: { executor: 'constant-vus', vus: 1, duration: '180s', exec: 'readback' },
  },
  thresholds: {
    trafficsim_latency_p95: [{ threshold: 'value<4000', abortOnFail: true, delayAbortEval: '20s' }],
    trafficsim_frames_lost: ['value==0'],
    trafficsim_decode_fps_avg: ['value>=24'],
  },
};

export default function () {
  ctl.lease(cameraId(__VU), '3s');
  sleep(1);
}

export function readback() {
  const m = ctl.metrics();
  if (m.latency) latencyP95.add(m.latency.values['p(95)']);
  if (m.frames_lost) framesLost.add(m.frames_lost.values.count);
  if (m.decode_fps) decodeFPS.add(m.decode_fps.values.avg);
  sleep(2);
}
