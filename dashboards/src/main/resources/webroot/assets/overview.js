// The regulator's overview: every cluster and plant, compliance now, hours in breach, data
// completeness, worst offenders; a row opens the plant's breach history, a link its station page.
// Refreshes when an alert changes (live feed) and every minute.
const O = Outfall;

function badge(state) { return O.el('span', { class: 'badge ' + state }, O.t(state)); }

function stationLink(p) { return O.el('a', { href: '/?station=' + encodeURIComponent(p.station) }, p.name || p.station); }

// "3 / 4 · 1 no permit, 1 not yet built": what a headline counts and what keeps the rest out.
function detail(h) {
  const others = Object.entries(h.by_state).filter(([k]) => k !== 'compliant' && k !== 'data_issue')
    .map(([k, n]) => `${n} ${O.t(k).toLowerCase()}`);
  return `${h.compliant} / ${h.counted}` + (others.length ? ' · ' + others.join(', ') : '');
}

// Clusters per request after the first screen (a plant with no cluster counts as one); ?page=N
// sets it. The headline and the worst stations come first on their own (limit=0), so a province's
// first screen does not wait for its thousandth plant; the table then fills a page at a time.
const PAGE = Math.max(1, parseInt(new URLSearchParams(location.search).get('page'), 10) || 200);
let generation = 0; // a refresh started later abandons an earlier one still paging

async function refresh() {
  const mine = ++generation;
  try {
    showSummary(await O.json('/api/overview?limit=0'));
    const tbody = document.querySelector('#plants tbody');
    for (let offset = 0, first = true; offset != null; first = false) {
      const o = await O.json(`/api/overview?offset=${offset}&limit=${PAGE}`);
      if (mine !== generation) return;
      const rows = o.clusters.flatMap(clusterRows);
      if (first) tbody.replaceChildren(...rows); else tbody.append(...rows);
      offset = o.next_offset;
    }
    document.getElementById('error').hidden = true;
  } catch (e) {
    const p = document.getElementById('error'); p.hidden = false; p.textContent = e.message;
  }
}

function showSummary(o) {
  const h = o.headline;
  document.getElementById('clusters-share').textContent = O.pct(h.clusters.share);
  document.getElementById('clusters-rule').textContent = detail(h.clusters);
  document.getElementById('plants-share').textContent = O.pct(h.plants.share);
  document.getElementById('plants-detail').textContent = detail(h.plants);
  document.getElementById('share').textContent = O.pct(h.stations.share);
  document.getElementById('share-detail').textContent = detail(h.stations);
  document.querySelector('#worst tbody').replaceChildren(...(o.worst.length ? o.worst.map(p => O.el('tr', {},
    O.el('td', {}, p.site_name || p.site), O.el('td', {}, stationLink(p)), O.el('td', {}, badge(p.state)),
    O.el('td', { class: 'num' }, O.num(p.breach_hours_30d, 1) + ' h'))) : [O.el('tr', {}, O.el('td', { class: 'muted' }, O.t('none')))]));
}

// A cluster's rows: one per station, or one for a plant without stations, or one for a cluster
// without plants.
function clusterRows(c) {
  const rows = [];
  const empty = n => Array.from({ length: n }, () => O.el('td', {}));
  // this month against the plant's cleaner-production target, and its cluster's count of plants
  const target = pl => pl.targets
    ? O.el('td', { class: 'target ' + pl.targets.verdict, title: Object.entries(pl.targets.kpis).map(([k, v]) => k + ': ' + O.t('st_' + v)).join('\n') }, O.t('st_' + pl.targets.verdict))
    : O.el('td', { class: 'muted' }, '–');
  const rollUp = c.targets ? ' (' + Object.entries(c.targets).map(([v, n]) => n + ' ' + O.t('st_' + v)).join(', ') + ')' : '';
  const cname = (c.name || c.code) + rollUp;
  if (!c.plants.length) rows.push(O.el('tr', { 'data-cluster': c.code }, O.el('td', {}, cname), O.el('td', { class: 'muted' }, '–'),
    O.el('td', {}), O.el('td', {}, badge(c.state)), ...empty(7)));
  for (const pl of c.plants) {
    if (!pl.stations.length) rows.push(O.el('tr', { 'data-site': pl.site }, O.el('td', {}, cname), O.el('td', {}, pl.name || pl.site),
      O.el('td', { class: 'muted' }, '–'), O.el('td', {}, badge(pl.state)), target(pl), ...empty(6)));
    for (const p of pl.stations) {
      rows.push(O.el('tr', { 'data-station': p.station, style: 'cursor:pointer', onclick: () => showHistory(p) },
        O.el('td', {}, cname), O.el('td', {}, pl.name || pl.site), O.el('td', {}, stationLink(p)), O.el('td', {}, badge(p.state)), target(pl),
        O.el('td', { class: 'num' }, O.num(p.breach_hours_24h, 1)), O.el('td', { class: 'num' }, O.num(p.breach_hours_30d, 1)),
        O.el('td', {}, O.bar(p.completeness_24h)), O.el('td', { class: 'num' }, O.pct(p.completeness_30d)),
        O.el('td', {}, O.time(p.last_reading)),
        O.el('td', {}, O.el('a', { href: '/report.html?station=' + encodeURIComponent(p.station) }, O.t('report')))));
    }
  }
  return rows;
}

async function showHistory(p) {
  const a = await O.json(`/api/alerts?station=${encodeURIComponent(p.station)}&family=compliance&state=all&limit=50`);
  document.getElementById('history-box').hidden = false;
  document.getElementById('history-station').replaceChildren(stationLink(p));
  document.querySelector('#history tbody').replaceChildren(...(a.items.length ? a.items.map(x => O.el('tr', {},
    O.el('td', {}, O.paramName(x.parameter)), O.el('td', {}, x.band || ''), O.el('td', {}, x.state),
    O.el('td', {}, O.time(x.started_at) + ' → ' + (x.resolved_at ? O.time(x.resolved_at) : '…')),
    O.el('td', { class: 'num' }, x.factor != null ? '×' + O.num(x.factor) : ''), O.el('td', { class: 'muted' }, x.detail || '')))
    : [O.el('tr', {}, O.el('td', { class: 'muted' }, O.t('none')))]));
  document.getElementById('history-box').scrollIntoView({ behavior: 'smooth' });
}

O.translate();
O.whoami().catch(() => {});
O.loadParameters().then(refresh);
setInterval(refresh, 60000);
O.checkJudging(); setInterval(() => O.checkJudging(), 30000);
const live = document.getElementById('live');
const src = new EventSource('/api/live');
src.onopen = () => { live.className = 'live on'; live.textContent = O.t('live'); };
src.onerror = () => { live.className = 'live off'; live.textContent = O.t('reconnecting'); };
let pending = null; // many alert changes at once make one refresh
src.addEventListener('alert', () => { clearTimeout(pending); pending = setTimeout(refresh, 500); });
