// One VU steers a running plan: it pauses the plan's clock, fixes the camera count of a
// scenario for a while, then hands it back to the plan's stages.
//
//   TRAFFICSIM_URL=... TRAFFICSIM_TOKEN=... k6 run -e SCENARIO=knee xk6-traffic/examples/pause-and-step.js
import { check, sleep } from 'k6';
import { Control } from '../lib/traffic.js';

const ctl = new Control(__ENV.TRAFFICSIM_URL, __ENV.TRAFFICSIM_TOKEN);

export const options = { vus: 1, iterations: 1 };

export default function () {
  const scenario = __ENV.SCENARIO || '';
  ctl.patch({ paused: true });
  for (const n of [5, 10, 15]) {
    const st = ctl.patch({ cameras: n, scenario });
    check(st, { 'count fixed': (s) => Object.values(s.scenarios).some((v) => v.fixed === n) });
    sleep(30);
  }
  ctl.patch({ cameras: -1, scenario });
  ctl.patch({ paused: false });
}
