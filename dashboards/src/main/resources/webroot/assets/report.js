// The printable compliance report of one plant, for a local month (?month=2026-11) or any period
// (?from=…&to=…, ISO-8601); the same figures as the CSV download.
const O = Outfall;
const params = new URLSearchParams(location.search);
const station = params.get('station') || localStorage.getItem('outfall.station');
const now = new Date().toLocaleDateString('sv-SE', { timeZone: O.tz }).slice(0, 7);
const month = params.get('month') || now;
const from = params.get('from');
const to = params.get('to');
const period = from && to ? `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}` : `month=${month}`;

const none = cols => [O.el('tr', {}, O.el('td', { class: 'muted', colspan: cols }, O.t('none')))];
const row = (...cells) => O.el('tr', {}, ...cells.map((c, i) => O.el('td', i ? { class: 'num' } : {}, c)));

async function load() {
  document.getElementById('title').textContent = from && to ? `· ${station}` : `· ${station} · ${month}`;
  const q = `/api/stations/${encodeURIComponent(station)}/report?${period}&tz=${O.tz}`;
  document.getElementById('csv').href = q + '&format=csv';
  document.getElementById('pdf-vi').href = q + '&format=pdf&lang=vi';
  document.getElementById('pdf-en').href = q + '&format=pdf&lang=en';
  const r = await O.json(q);
  document.getElementById('period').textContent = `${O.time(r.from)} → ${O.time(r.to)}`;
  document.getElementById('hours').textContent = `${r.hours_monitored} / ${O.num(r.hours_in_period, 0)}`;
  document.getElementById('valid').textContent = O.pct(r.valid_share);
  document.getElementById('completeness').textContent = O.pct(r.completeness);
  document.getElementById('breach-hours').textContent = O.num(r.breach_hours, 1);
  document.querySelector('#params tbody').replaceChildren(...(r.parameters.length ? r.parameters.map(p =>
    row(`${O.paramName(p.parameter)} (${O.unit(p.parameter)})`, p.readings, p.valid, p.calibrating, p.fault,
      O.num(p.mean), O.num(p.min), O.num(p.max),
      O.el('span', { 'data-completeness': p.parameter, title: `${p.filled_slots} / ${p.expected_slots} × ${p.slot_minutes} min` }, O.pct(p.completeness)))) : none(9)));
  document.querySelector('#breaches tbody').replaceChildren(...(r.breaches.length ? r.breaches.map(b =>
    row(O.paramName(b.parameter), b.band, b.count, O.num(b.hours, 1), O.num(b.max_factor))) : none(5)));
  document.querySelector('#alert-kinds tbody').replaceChildren(...(r.alerts.length ? r.alerts.map(a =>
    row(a.kind, a.count, a.acknowledged, O.num(a.median_ack_minutes, 0), O.num(a.max_ack_minutes, 0))) : none(5)));
}

O.translate();
O.whoami().catch(() => {});
const input = document.getElementById('month');
input.value = month;
input.onchange = () => { location.search = `?station=${encodeURIComponent(station)}&month=${input.value}`; };
O.loadParameters().then(load).catch(e => { const p = document.getElementById('error'); p.hidden = false; p.textContent = e.message; });
