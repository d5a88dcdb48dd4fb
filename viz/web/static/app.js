// trafficsim viz: the wall, one camera and the evidence gallery. Plain JavaScript, no build.
'use strict';

const $ = (id) => document.getElementById(id);
const S = {
  info: null,       // /api/run
  offset: 0,        // server clock - browser clock, ms
  follow: true,     // the cursor is the server's now (live)
  anchorWall: 0,    // otherwise: the cursor was anchorWall at anchorPerf
  anchorPerf: 0,
  playing: true,
  status: {},       // camera id -> /api/status row
  page: 0,
  view: '',
  cam: null,        // camera view state
  stats: { thumbs: 0 },
};

// cursor is the wall time (unix ms) every view shows.
function cursor() {
  if (S.follow) return Date.now() + S.offset;
  return S.anchorWall + (S.playing ? performance.now() - S.anchorPerf : 0);
}

function seekTo(ms, play) {
  S.follow = false;
  S.anchorWall = ms;
  S.anchorPerf = performance.now();
  if (play !== undefined) S.playing = play;
}

// clipFrame is the clip frame camera c shows at wall time t (the farm's replay schedule).
function clipFrame(c, t) {
  const n = Math.floor((t - c.zero) * c.fps / 1000 + 1e-6);
  return ((n % c.frames) + c.frames) % c.frames;
}

async function getJSON(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(url + ': ' + r.status + ' ' + (await r.text()));
  return r.json();
}

function fmtTime(ms) {
  return new Date(ms).toISOString().substring(11, 23);
}

// ---- the wall ----

function health(st, t) {
  if (!st) return 'idle';
  if (st.last_bad && t - st.last_bad < 60000) return 'bad';
  if ((st.active && st.active.length) || st.late_ms > 40) return 'warn';
  if (!st.frames && !st.events) return 'idle';
  return 'ok';
}

function perPage() {
  const cols = Math.max(1, Math.floor((window.innerWidth - 24) / 258));
  const rows = Math.max(1, Math.floor((window.innerHeight - 90) / 190));
  return cols * rows;
}

// order puts cameras with a recent FN or FP first, the latest first, then by id.
function order(t) {
  const cams = S.info.cameras.slice();
  const recent = (c) => { const s = S.status[c.id]; return s && s.last_bad && t - s.last_bad < 60000 ? s.last_bad : 0; };
  cams.sort((a, b) => (recent(b) - recent(a)) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return cams;
}

function renderWall() {
  const t = cursor();
  const cams = order(t);
  const n = perPage();
  const pages = Math.max(1, Math.ceil(cams.length / n));
  S.page = Math.min(S.page, pages - 1);
  const pg = $('pages');
  if (pg.childElementCount !== pages) {
    pg.innerHTML = '';
    for (let i = 0; i < pages; i++) {
      const b = document.createElement('button');
      b.textContent = (i * n + 1) + '-' + Math.min((i + 1) * n, cams.length);
      b.onclick = () => { S.page = i; renderWall(); };
      pg.appendChild(b);
    }
  }
  [...pg.children].forEach((b, i) => b.classList.toggle('on', i === S.page));
  pg.hidden = pages === 1;
  const shown = cams.slice(S.page * n, (S.page + 1) * n);
  const grid = $('grid');
  while (grid.childElementCount > shown.length) grid.lastChild.remove();
  while (grid.childElementCount < shown.length) {
    const d = document.createElement('div');
    d.className = 'tile';
    const img = document.createElement('img');
    img.onload = () => { S.stats.thumbs++; document.body.dataset.thumbs = S.stats.thumbs; };
    const st = document.createElement('div');
    st.className = 'st';
    d.append(img, st);
    d.onclick = () => { location.hash = 'cam=' + encodeURIComponent(d.dataset.cam) + (S.follow ? '' : '&t=' + Math.round(cursor())); };
    grid.appendChild(d);
  }
  shown.forEach((c, i) => {
    const d = grid.children[i];
    const clip = S.info.clips[c.clip];
    const k = Math.floor(clipFrame(c, t) / clip.every);
    const src = 'api/clip/' + c.clip + '/thumb/' + k + '.jpg';
    const img = d.firstChild;
    if (d.dataset.cam !== c.id || img.dataset.k !== String(k)) {
      img.src = src;
      img.dataset.k = k;
    }
    d.dataset.cam = c.id;
    const s = S.status[c.id];
    d.className = 'tile ' + health(s, t);
    d.lastChild.innerHTML = '<b>' + c.id + '</b> ' + (s ?
      s.frames + ' fr · ' + (S.info.live ? s.late_ms.toFixed(0) + ' ms late' : s.late_ms + ' late') +
      ' · ' + s.faults + ' faults' + (s.active && s.active.length ? ' (' + s.active.join(',') + ')' : '') +
      ' · ' + s.events + ' ev · <span class="tp">' + s.tp + '</span>/<span class="fp">' + s.fp + '</span>/<span class="fn">' + s.fn + '</span>' : '');
  });
}

async function pollStatus() {
  try {
    const st = await getJSON('api/status?t=' + Math.round(cursor()));
    S.status = {};
    st.cameras.forEach((c) => { S.status[c.id] = c; });
    document.body.dataset.statusT = st.t;
  } catch (e) { console.error(e); }
}

// ---- one camera ----

async function openCam(id, t) {
  const c = S.info.cameras.find((x) => x.id === id);
  if (!c) { $('camtitle').textContent = 'no camera ' + id; return; }
  if (t) seekTo(t - 2000, false); // plays once the video is in
  const cs = { c, clip: S.info.clips[c.clip], truth: null, tl: { truths: [], events: [] }, ms: null };
  S.cam = cs;
  $('camtitle').innerHTML = c.id + ' <small>clip ' + c.clip + ' · <a href="#gallery&cam=' + c.id + '">evidence</a></small>';
  const v = $('video');
  const ov = $('overlay');
  ov.width = cs.clip.width;
  ov.height = cs.clip.height;
  const [vr, truth] = await Promise.all([fetch('api/clip/' + c.clip + '/video.mp4'), getJSON('api/clip/' + c.clip + '/truth.json')]);
  if (S.cam !== cs) return;
  cs.truth = truth;
  const codec = vr.headers.get('X-Codec');
  const buf = await vr.arrayBuffer();
  const ms = new MediaSource();
  cs.ms = ms;
  v.src = URL.createObjectURL(ms);
  const onFrame = (now, meta) => {
    if (S.cam !== cs) return;
    cs.shown = meta.mediaTime;
    S.stats.frames = (S.stats.frames || 0) + 1;
    document.body.dataset.videoFrames = S.stats.frames;
    v.requestVideoFrameCallback(onFrame);
  };
  if (v.requestVideoFrameCallback) v.requestVideoFrameCallback(onFrame);
  ms.addEventListener('sourceopen', () => {
    const sb = ms.addSourceBuffer('video/mp4; codecs="' + codec + '"');
    sb.addEventListener('updateend', () => {
      if (ms.readyState === 'open') ms.endOfStream();
      if (!S.follow) seekTo(cursor(), true);
      syncVideo(true);
      v.play().catch(() => {});
    });
    sb.appendBuffer(buf);
  }, { once: true });
  refreshTimeline();
}

async function refreshTimeline() {
  const cs = S.cam;
  if (!cs) return;
  try {
    cs.tl = await getJSON('api/timeline?cam=' + encodeURIComponent(cs.c.id));
  } catch (e) { console.error(e); }
}

// syncVideo keeps the video on the camera's play position for the cursor.
function syncVideo(force) {
  const cs = S.cam;
  const v = $('video');
  if (!cs || !v.duration) return;
  const t = cursor();
  const want = clipFrame(cs.c, t) / cs.c.fps;
  const len = cs.c.frames / cs.c.fps;
  let d = Math.abs(v.currentTime - want);
  d = Math.min(d, len - d);
  if (force || d > 0.3) v.currentTime = want;
  const run = S.follow || S.playing;
  if (run && v.paused) v.play().catch(() => {});
  if (!run && !v.paused) v.pause();
}

const colors = { tp: '#4d6', fp: '#f55', fn: '#fa3', '': '#999', dup: '#999' };

function drawOverlay() {
  const cs = S.cam;
  if (!cs || !cs.truth) return;
  const v = $('video');
  const ov = $('overlay');
  const g = ov.getContext('2d');
  g.clearRect(0, 0, ov.width, ov.height);
  // the frame on screen (requestVideoFrameCallback), not the one a seek asks for
  const shown = cs.shown !== undefined ? cs.shown : v.currentTime;
  const fi = Math.min(cs.truth.frames.length - 1, Math.max(0, Math.round(shown * cs.c.fps)));
  const objs = cs.truth.frames[fi] || [];
  g.lineWidth = 1;
  g.strokeStyle = 'rgba(120,220,255,0.8)';
  g.font = '14px sans-serif';
  g.fillStyle = 'rgba(120,220,255,0.9)';
  for (const o of objs) {
    g.strokeRect(o[1], o[2], o[3] - o[1], o[4] - o[2]);
    g.fillText(o[0], o[1] + 2, o[2] + 13);
  }
  // the wall time of the frame shown: the cursor, corrected to the video's own position
  const t = cursor();
  const marks = [];
  for (const tr of cs.tl.truths) {
    if (Math.abs(t - tr.wall) > 1500) continue;
    // the road user where it is now; its box at the violation moment only at that moment
    const o = objs.find((x) => x[0] === tr.object);
    const box = o ? [o[1], o[2], o[3], o[4]] : Math.abs(t - tr.wall) < 200 ? tr.box : null;
    marks.push({ kind: tr.outcome || 'pending', text: (tr.outcome || '…').toUpperCase() + ' ' + tr.type + ' (truth' + (tr.plate ? ' ' + tr.plate : '') + ')', box, dash: false, at: tr.wall });
  }
  for (const e of cs.tl.events) {
    if (Math.abs(t - e.time) > 1500) continue;
    marks.push({ kind: e.outcome || 'pending', text: (e.outcome || '…').toUpperCase() + ' ' + e.type + ' (event ' + (e.plate || '') + ' ' + e.conf.toFixed(2) + ')', box: Math.abs(t - e.time) < 300 ? e.box : null, dash: true, at: e.time });
  }
  g.lineWidth = 4;
  g.font = 'bold 22px sans-serif';
  let line = 0;
  marks.forEach((m) => {
    const col = colors[m.kind] || '#999';
    g.strokeStyle = col;
    g.fillStyle = col;
    g.setLineDash(m.dash ? [10, 6] : []);
    if (m.box) {
      g.strokeRect(m.box[0], m.box[1], m.box[2] - m.box[0], m.box[3] - m.box[1]);
      g.fillText(m.text, m.box[0], Math.max(22, m.box[1] - 6));
    } else {
      g.fillText(m.text, 12, 80 + 26 * line++);
    }
  });
  g.setLineDash([]);
  document.body.dataset.videoTime = shown.toFixed(3);
  document.body.dataset.truthFrame = fi;
  document.body.dataset.truthBoxes = objs.length;
  document.body.dataset.marks = marks.length;
  const ul = $('marks');
  const html = marks.map((m) => '<li class="mark ' + m.kind + '">' + fmtTime(m.at) + ' ' + m.text + '</li>').join('');
  if (ul.innerHTML !== html) ul.innerHTML = html;
}

function drawTimeline() {
  const cs = S.cam;
  const cv = $('timeline');
  if (cv.width !== cv.clientWidth) cv.width = cv.clientWidth;
  const g = cv.getContext('2d');
  g.clearRect(0, 0, cv.width, cv.height);
  if (!cs) return;
  const t = cursor();
  const span = 120000;
  const x = (ms) => (ms - (t - span / 2)) / span * cv.width;
  const win = S.info.window_ms;
  g.font = '11px sans-serif';
  g.fillStyle = '#889';
  g.fillText('truth', 4, 14);
  g.fillText('events', 4, 62);
  for (let s = Math.ceil((t - span / 2) / 10000) * 10000; s < t + span / 2; s += 10000) {
    g.fillStyle = '#445';
    g.fillRect(x(s), 0, 1, cv.height);
    g.fillStyle = '#889';
    g.fillText(fmtTime(s).substring(0, 8), x(s) + 2, 86);
  }
  for (const tr of cs.tl.truths) {
    g.fillStyle = colors[tr.outcome || ''];
    g.globalAlpha = 0.45;
    g.fillRect(x(tr.wall - win), 18, x(tr.wall + win) - x(tr.wall - win), 22);
    g.globalAlpha = 1;
    g.fillRect(x(tr.wall) - 1, 18, 2, 22);
  }
  for (const e of cs.tl.events) {
    g.fillStyle = colors[e.outcome || ''];
    g.fillRect(x(e.time) - 1, 46, 3, 24);
  }
  g.fillStyle = '#fff';
  g.fillRect(cv.width / 2, 0, 1, cv.height);
  cv.onclick = (ev) => {
    const r = cv.getBoundingClientRect();
    seekTo(t - span / 2 + (ev.clientX - r.left) / r.width * span, S.playing);
    syncVideo(true);
  };
}

// ---- evidence gallery ----

async function openGallery(cam) {
  $('galtitle').textContent = 'evidence' + (cam ? ' of ' + cam : ', every camera');
  const tl = await getJSON('api/timeline' + (cam ? '?cam=' + encodeURIComponent(cam) : ''));
  const truths = {};
  tl.truths.forEach((tr) => { truths[tr.id] = tr; });
  const rows = [];
  for (const e of tl.events) rows.push({ at: e.time, cam: e.camera, e, tr: e.truth ? truths[e.truth] : null });
  for (const tr of tl.truths) if (tr.outcome === 'fn') rows.push({ at: tr.wall, cam: tr.camera, e: null, tr });
  rows.sort((a, b) => a.at - b.at);
  const tb = $('galtable').tBodies[0];
  tb.innerHTML = '';
  for (const r of rows.slice(0, 500)) {
    const kind = r.e ? (r.e.outcome || 'pending') : 'fn';
    const tr = document.createElement('tr');
    tr.className = 'row ' + kind;
    const ev = r.e && r.e.evidence ? '<img loading="lazy" src="api/evidence/' + encodeURIComponent(r.e.id) + '">' : (r.e ? 'no picture sent' : 'no event');
    const crop = r.tr ? '<img loading="lazy" src="api/crop/' + encodeURIComponent(r.tr.id) + '">' : 'no truth';
    const what = '<b class="' + kind + '">' + kind.toUpperCase() + '</b> ' + (r.e ? r.e.type : r.tr.type) + '<br>' + r.cam + ' ' + fmtTime(r.at) +
      (r.e ? '<br>event plate ' + (r.e.plate || '–') + ', confidence ' + r.e.conf.toFixed(2) + ', ' + r.e.source : '') +
      (r.tr ? '<br>truth plate ' + (r.tr.plate || '–') + ', ' + r.tr.class : '') +
      '<br><a href="#cam=' + encodeURIComponent(r.cam) + '&t=' + r.at + '">watch the moment</a>';
    tr.innerHTML = '<td>' + ev + '</td><td>' + crop + '</td><td>' + what + '</td>';
    tb.appendChild(tr);
  }
  document.body.dataset.galleryRows = rows.length;
}

// ---- routing and loops ----

function route() {
  const h = new URLSearchParams(location.hash.replace(/^#/, '').replace(/^gallery&?/, 'view=gallery&'));
  const view = h.get('view') === 'gallery' ? 'gallery' : h.get('cam') ? 'cam' : 'wall';
  const t = h.get('t') ? Number(h.get('t')) : 0;
  S.view = view;
  for (const id of ['wall', 'cam', 'gallery']) $(id).hidden = id !== view;
  const v = $('video');
  if (view !== 'cam' && S.cam) {
    S.cam = null;
    v.pause();
    v.removeAttribute('src');
    v.load();
  }
  if (view === 'cam') openCam(h.get('cam'), t);
  if (view === 'gallery') openGallery(h.get('cam'));
  if (view === 'wall' && t) seekTo(t, S.playing);
  document.body.dataset.view = view;
}

function frame() {
  document.body.dataset.cursor = Math.round(cursor());
  $('clock').textContent = fmtTime(cursor()) + ' UTC' + (S.follow ? ' (live)' : S.playing ? ' (replay)' : ' (paused)');
  const sk = $('seek');
  if (S.info.start && document.activeElement !== sk) {
    const end = S.info.end || (Date.now() + S.offset);
    sk.value = Math.round((cursor() - S.info.start) / Math.max(1, end - S.info.start) * 1000);
  }
  if (S.view === 'cam') {
    syncVideo(false);
    drawOverlay();
    drawTimeline();
  }
  requestAnimationFrame(frame);
}

async function main() {
  S.info = await getJSON('api/run');
  S.offset = S.info.now - Date.now();
  $('runname').textContent = (S.info.id || 'cameras') + (S.info.scenario ? ' · ' + S.info.scenario : '') + ' · ' + S.info.cameras.length + ' cameras';
  if (!S.info.live) seekTo((S.info.start || S.info.now) + 10000, true);
  $('live').hidden = !S.info.live;
  $('live').onclick = () => { S.follow = true; S.playing = true; syncVideo(true); };
  $('play').onclick = () => {
    const t = cursor();
    seekTo(t, !(S.playing && !S.follow));
    syncVideo(true);
  };
  $('seek').onchange = () => {
    const end = S.info.end || (Date.now() + S.offset);
    seekTo(S.info.start + $('seek').value / 1000 * (end - S.info.start), S.playing);
    syncVideo(true);
    pollStatus();
  };
  window.addEventListener('hashchange', route);
  route();
  await pollStatus();
  renderWall();
  setInterval(() => { if (S.view === 'wall') renderWall(); }, 500);
  setInterval(() => { if (S.view === 'wall') pollStatus(); else if (S.view === 'cam' && S.info.live) refreshTimeline(); }, 1000);
  requestAnimationFrame(frame);
  document.body.dataset.ready = '1';
}

main().catch((e) => { document.body.dataset.error = String(e); console.error(e); });
