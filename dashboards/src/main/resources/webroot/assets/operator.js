// The operator page: one station's tiles, open alerts, its files to the environment department,
// today's completeness, 24-hour charts with
// the permit's limit lines and shaded calibration/fault periods, and cleaner-production KPIs.
// Stays current through /api/live (Server-Sent Events) without reloading.
const O = Outfall;
const state = { station: null, limits: {}, charts: {}, latest: {}, source: null };
const DAY = 24 * 3600;

function setError(e) {
  const p = document.getElementById('error');
  p.hidden = !e; p.textContent = e ? String(e.message || e) : '';
}

async function loadStations() {
  const s = await O.json('/api/stations?limit=1000');
  const bySite = {};
  for (const st of s.items) (bySite[st.site] ||= []).push(st);
  const params = new URLSearchParams(location.search);
  const wanted = params.get('station') || localStorage.getItem('outfall.station');
  const first = s.items.find(x => x.code === wanted) || s.items[0];
  const siteSel = document.getElementById('site'), stSel = document.getElementById('station');
  siteSel.replaceChildren(...Object.keys(bySite).map(k => O.el('option', { value: k }, k)));
  const fillStations = site => stSel.replaceChildren(...bySite[site].map(x => O.el('option', { value: x.code }, x.name || x.code)));
  if (!first) return;
  siteSel.value = first.site; fillStations(first.site); stSel.value = first.code;
  siteSel.onchange = () => { fillStations(siteSel.value); select(stSel.value); };
  stSel.onchange = () => select(stSel.value);
  state.stations = Object.fromEntries(s.items.map(x => [x.code, x]));
  await select(first.code);
}

async function select(code) {
  state.station = code;
  localStorage.setItem('outfall.station', code);
  history.replaceState(null, '', '/?station=' + encodeURIComponent(code));
  document.getElementById('report-link').href = '/report.html?station=' + encodeURIComponent(code);
  const permit = await O.json('/api/permits/' + encodeURIComponent(code)).catch(() => ({ limits: {} }));
  state.limits = permit.limits || {};
  await Promise.all([loadCharts(), loadTiles(), loadAlerts(), loadTransmission(), loadCompleteness(), loadKpis()]).catch(setError);
  listen();
}

function limitText(code) {
  const l = state.limits[code];
  if (!l) return '';
  return O.t('limit') + ' ' + (l.min != null ? `${O.num(l.min)}–${O.num(l.max)}` : '≤ ' + O.num(l.max));
}

// ok, near (≥ 80 % of the limit), over, calibrating or fault: the tile's colour.
function verdict(code, value, status) {
  if (status === '01') return 'calibrating';
  if (status === '02') return 'fault';
  const l = state.limits[code];
  if (!l || value == null) return 'ok';
  if (l.min != null) return value < l.min || value > l.max ? 'over' : 'ok';
  return value > l.max ? 'over' : value >= 0.8 * l.max ? 'near' : 'ok';
}

function renderTiles() {
  const codes = (state.stations[state.station] || {}).parameters || [];
  document.getElementById('tiles').replaceChildren(...codes.map(code => {
    const r = state.latest[code];
    const status = r ? r.status : null;
    const tile = O.el('div', { class: 'tile ' + (r ? verdict(code, r.value, status) : ''), 'data-parameter': code },
      O.el('div', { class: 'name' }, O.paramName(code)),
      O.el('div', { class: 'value' }, r ? O.num(r.value) : O.t('no_value'), ' ', O.el('small', {}, O.unit(code))),
      O.el('div', { class: 'limit' }, status === '01' ? O.t('calibrating') : status === '02' ? O.t('fault') : limitText(code)),
      O.el('div', { class: 'limit' }, r ? O.time(r.ts) : ''));
    return tile;
  }));
}

async function loadTiles() {
  const to = new Date(), from = new Date(to - 3600e3);
  const r = await O.json(`/api/stations/${encodeURIComponent(state.station)}/readings?from=${from.toISOString()}&to=${to.toISOString()}&limit=100000`);
  state.latest = {};
  for (const s of r.series) { const p = s.points[s.points.length - 1]; if (p) state.latest[s.parameter] = p; }
  renderTiles();
}

async function loadAlerts() {
  const a = await O.json(`/api/alerts?station=${encodeURIComponent(state.station)}&state=active`);
  const body = document.querySelector('#alerts tbody');
  if (!a.items.length) { body.replaceChildren(O.el('tr', {}, O.el('td', { class: 'muted' }, O.t('no_alerts')))); return; }
  body.replaceChildren(...a.items.map(x => O.el('tr', { 'data-alert': x.id },
    O.el('td', {}, O.el('span', { class: 'badge ' + (x.family === 'compliance' ? 'breach' : 'data_issue'), 'data-kind': x.kind }, O.kindName(x.kind))),
    O.el('td', {}, x.parameter ? O.paramName(x.parameter) : ''),
    O.el('td', {}, x.band ? O.t('band') + ' ' + x.band : ''),
    O.el('td', {}, O.t('since') + ' ' + O.time(x.started_at)),
    O.el('td', { class: 'muted' }, x.detail || ''),
    O.el('td', {}, x.state === 'acknowledged'
      ? O.el('span', { class: 'muted' }, O.t('acknowledged') + ' · ' + (x.acknowledged_by || ''))
      : O.el('button', { type: 'button', class: 'ack', onclick: () => acknowledge(x.id) }, O.t('acknowledge'))))));
}

async function acknowledge(id) {
  try {
    await O.json(`/api/alerts/${id}/acknowledge`, { method: 'POST' });
    await loadAlerts();
  } catch (e) { setError(e); }
}

// The station's files to the department: on or off, the last one sent, what waits, the last error.
async function loadTransmission() {
  const t = await O.json(`/api/stations/${encodeURIComponent(state.station)}/transmission`);
  const row = (label, ...cells) => O.el('tr', {}, O.el('th', {}, label), O.el('td', {}, ...cells));
  const rows = [row(O.t('tx_state'), !t.link ? O.t('tx_no_link') : t.transmits
    ? `${O.t('tx_on')} ${O.t('tx_every')} ${t.interval_seconds % 60 === 0 ? t.interval_seconds / 60 + ' min' : t.interval_seconds + ' s'} · ${t.link}`
    : O.t('tx_off'))];
  if (t.transmits || t.last_sent || t.backlog) {
    rows.push(row(O.t('tx_last'), t.last_sent
      ? O.el('span', {}, O.el('code', { 'data-file': t.last_sent.file }, t.last_sent.file),
        ` · ${O.t('tx_interval_end')} ${O.time(t.last_sent.interval_end)} · ${O.t('tx_sent_at')} ${O.time(t.last_sent.sent_at)}`)
      : O.el('span', { class: 'muted' }, O.t('tx_none'))));
    rows.push(row(O.t('tx_backlog'), O.el('span', { class: t.backlog > 0 ? 'worse' : '', 'data-backlog': t.backlog },
      `${t.backlog} ${O.t('tx_files')}` + (t.oldest_unsent_interval_end ? ` · ${O.t('tx_oldest')} ${O.time(t.oldest_unsent_interval_end)}` : ''))));
  }
  if (t.last_error) rows.push(row(O.t('tx_error'), O.el('span', { class: 'error' },
    `${O.time(t.last_attempt_at)} · ${t.last_error}`)));
  document.querySelector('#transmission tbody').replaceChildren(...rows);
}

async function loadCompleteness() {
  const r = await O.json(`/api/stations/${encodeURIComponent(state.station)}/report?tz=${O.tz}`);
  document.querySelector('#completeness tbody').replaceChildren(...r.parameters.map(p => O.el('tr', {},
    O.el('td', {}, O.paramName(p.parameter)),
    O.el('td', { style: 'width:50%' }, O.bar(p.completeness)),
    O.el('td', { class: 'num' }, O.pct(p.completeness)))));
}

async function loadKpis() {
  const k = await O.json(`/api/stations/${encodeURIComponent(state.station)}/kpis?days=30&periods=month&tz=${O.tz}`);
  // the plant's target for this month, as the server judged it (null: no target applies)
  const month = k.targets && k.targets.periods.find(p => p.period === 'month');
  const verdict = key => month && month.kpis.find(v => v.kpi === key);
  const target = v => !v || v.status === 'no_target' ? O.t('no_target')
    : `${O.t('target')} ${O.num(v.target_pct, 1)} % · ${O.t('st_' + v.status)}`;
  const card = (label, now, before, unit, change, key) => O.el('div', { class: 'tile' },
    O.el('div', { class: 'name' }, label),
    O.el('div', { class: 'value' }, O.num(now, 3), ' ', O.el('small', {}, unit)),
    O.el('div', { class: 'limit' }, O.t('baseline') + ' ' + O.num(before, 3)),
    change === undefined ? '' : O.el('div', { class: change == null ? 'muted' : change <= 0 ? 'better' : 'worse' },
      O.t('change') + ' ' + (change == null ? '–' : (change > 0 ? '+' : '') + O.num(change, 1) + ' %')),
    key === undefined ? '' : O.el('div', { class: 'target ' + ((verdict(key) || {}).status || 'no_target') }, target(verdict(key))));
  document.getElementById('kpis').replaceChildren(
    card(O.t('volume'), k.period.volume_m3, k.baseline.volume_m3, 'm³'),
    card(O.t('energy'), k.period.energy_kwh, k.baseline.energy_kwh, 'kWh'),
    card(O.t('chemical'), k.period.chemical_kg, k.baseline.chemical_kg, 'kg'),
    card(O.t('energy_int'), k.period.energy_kwh_per_m3, k.baseline.energy_kwh_per_m3, 'kWh/m³', k.change_pct.energy_kwh_per_m3, 'energy_kwh_per_m3'),
    card(O.t('chemical_int'), k.period.chemical_kg_per_m3, k.baseline.chemical_kg_per_m3, 'kg/m³', k.change_pct.chemical_kg_per_m3, 'chemical_kg_per_m3'));
}

// Shades the minutes with calibrating or fault readings behind the line.
function shadePlugin(flags) {
  return { hooks: { drawClear: u => {
    const ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
    for (const [t, kind] of flags) {
      const x0 = u.valToPos(t, 'x', true), x1 = u.valToPos(t + 60, 'x', true);
      ctx.fillStyle = kind === 'fault' ? 'rgba(107,107,107,.3)' : 'rgba(47,111,179,.25)';
      ctx.fillRect(x0, top, Math.max(1, x1 - x0), h);
    }
  } } };
}

async function loadCharts() {
  const to = new Date(), from = new Date(to - DAY * 1000);
  const r = await O.json(`/api/stations/${encodeURIComponent(state.station)}/readings?step=1m&fields=mean,calibrating,fault&tz=${O.tz}&from=${from.toISOString()}&to=${to.toISOString()}`);
  const host = document.getElementById('charts');
  Object.values(state.charts).forEach(c => c.plot.destroy());
  state.charts = {};
  host.replaceChildren();
  for (const s of r.series) {
    const box = O.el('div', { class: 'chart', 'data-parameter': s.parameter }, O.el('h3', {}, `${O.paramName(s.parameter)} (${O.unit(s.parameter)})`));
    host.append(box);
    const c = { xs: [], ys: [], flags: [] };
    for (const p of s.points) {
      const t = Date.parse(p.ts) / 1000;
      c.xs.push(t); c.ys.push(p.mean);
      if (p.fault > 0) c.flags.push([t, 'fault']); else if (p.calibrating > 0) c.flags.push([t, 'calibrating']);
    }
    const l = state.limits[s.parameter] || {};
    const series = [{}, { label: O.paramName(s.parameter), stroke: '#2f6fb3', width: 1.5, spanGaps: false }];
    if (l.max != null) series.push({ label: O.t('limit'), stroke: '#c62828', dash: [6, 4], width: 1.5, points: { show: false } });
    if (l.min != null) series.push({ label: O.t('limit') + ' min', stroke: '#c62828', dash: [6, 4], width: 1.5, points: { show: false } });
    c.limits = [l.max, l.min].filter(v => v != null);
    const width = Math.max(280, box.clientWidth || 400);
    c.plot = new uPlot({ width, height: 200, series, plugins: [shadePlugin(c.flags)], legend: { show: false },
      scales: { x: { time: true } }, axes: [{}, { size: 50 }], tzDate: ts => uPlot.tzDate(new Date(ts * 1e3), O.tz) }, data(c), box);
    state.charts[s.parameter] = c;
  }
}

function data(c) { return [c.xs, c.ys, ...c.limits.map(v => c.xs.map(() => v))]; }

// A live reading extends its chart (and drops what slid out of the 24 hours) and updates its tile.
function onReadings(e) {
  const d = JSON.parse(e.data);
  if (d.station !== state.station) return;
  for (const [code, ms, value, status] of d.readings) {
    const ts = new Date(ms).toISOString(), s = String(status).padStart(2, '0');
    const prev = state.latest[code];
    if (!prev || Date.parse(prev.ts) <= ms) state.latest[code] = { ts, value, status: s };
    const c = state.charts[code];
    if (c && (!c.xs.length || ms / 1000 > c.xs[c.xs.length - 1])) {
      c.xs.push(ms / 1000); c.ys.push(s === '00' ? value : null);
      if (s !== '00') c.flags.push([ms / 1000, s === '02' ? 'fault' : 'calibrating']);
      while (c.xs.length && c.xs[0] < ms / 1000 - DAY) { c.xs.shift(); c.ys.shift(); }
      c.plot.setData(data(c));
      c.plot.root.closest('.chart').dataset.live = String(ms);
    }
  }
  renderTiles();
}

function listen() {
  if (state.source) state.source.close();
  const live = document.getElementById('live');
  const src = new EventSource('/api/live?station=' + encodeURIComponent(state.station));
  src.onopen = () => { live.className = 'live on'; live.textContent = O.t('live'); };
  src.onerror = () => { live.className = 'live off'; live.textContent = O.t('reconnecting'); };
  src.addEventListener('readings', onReadings);
  src.addEventListener('alert', () => loadAlerts().catch(setError));
  src.addEventListener('reconnected', () => Promise.all([loadTiles(), loadAlerts()]).catch(setError));
  state.source = src;
}

async function health() {
  const h = await O.checkJudging();
  document.getElementById('health').textContent = h ? `status ${h.status} · broker ${h.broker.status} · database ${h.database.status} (${h.database.engine})` : '';
}

O.translate();
O.whoami().catch(() => {});
O.loadParameters().then(loadStations).catch(setError);
health(); setInterval(health, 30000);
setInterval(() => state.station && Promise.all([loadCompleteness(), loadAlerts(), loadTransmission()]).catch(setError), 60000);
