// The engineers' page: gateway configuration versions with their diff, a new version (checked by
// the gateway's own parser before it is stored), deployment with a canary, rollouts followed live
// (polled every 2 s while one is still moving), promotion, rollback, tags and the audit log.
// Everything goes through the HTTP API (docs/openapi.yaml) as the signed-in user, whom the server
// records in the audit log.
const O = Outfall;
const $ = id => document.getElementById(id);
let configs = [];
let shownRollout = null;

async function call(url, method, body, type = 'application/json') {
  return O.json(url, { method, headers: { 'content-type': type }, body });
}

function showError(e) {
  const p = $('error');
  p.hidden = !e;
  p.textContent = e ? e.message : '';
}

function badge(state) { return O.el('span', { class: 'badge ' + state }, stateName(state)); }

function stateName(state) { const k = 'st_' + state; const w = O.t(k); return w === k ? state : w; }

async function loadConfigs() {
  configs = (await O.json('/api/configs')).items;
  $('configs').tBodies[0].replaceChildren(...(configs.length ? configs.map(c => O.el('tr',
    { 'data-name': c.name, style: 'cursor:pointer', onclick: () => showHistory(c.name) },
    O.el('td', {}, c.name), O.el('td', { class: 'num' }, c.seq), O.el('td', {}, c.version),
    O.el('td', {}, c.author), O.el('td', {}, O.time(c.created_at))))
    : [O.el('tr', {}, O.el('td', { class: 'muted', colspan: 5 }, O.t('none')))]));
  const sel = $('dep-name');
  const keep = sel.value;
  sel.replaceChildren(...configs.map(c => O.el('option', { value: c.name }, c.name)));
  if (keep && configs.some(c => c.name === keep)) sel.value = keep;
  await loadSeqs();
}

async function loadSeqs() {
  const name = $('dep-name').value;
  if (!name) { $('dep-seq').replaceChildren(); return; }
  const versions = (await O.json('/api/configs/' + encodeURIComponent(name))).items;
  $('dep-seq').replaceChildren(...versions.map(v => O.el('option', { value: v.seq }, `#${v.seq} · ${v.version}`)));
}

async function showHistory(name) {
  const versions = (await O.json('/api/configs/' + encodeURIComponent(name))).items;
  $('history-box').hidden = false;
  $('history-name').textContent = name;
  $('history').tBodies[0].replaceChildren(...versions.map(v => O.el('tr',
    { 'data-seq': v.seq, style: 'cursor:pointer', onclick: () => showVersion(name, v.seq) },
    O.el('td', { class: 'num' }, v.seq), O.el('td', {}, v.version), O.el('td', {}, v.author),
    O.el('td', {}, O.time(v.created_at)), O.el('td', { class: 'muted' }, v.message || ''))));
  document.querySelectorAll('#configs tr').forEach(tr => tr.classList.toggle('selected', tr.dataset.name === name));
  if (versions.length) await showVersion(name, versions[0].seq);
}

async function showVersion(name, seq) {
  const v = await O.json(`/api/configs/${encodeURIComponent(name)}/${seq}`);
  $('version-box').hidden = false;
  $('version-title').textContent = `${name} #${seq} · ${v.version}`;
  $('diff').replaceChildren(...v.diff.map(line => O.el('span',
    { class: line.startsWith('+ ') ? 'add' : line.startsWith('- ') ? 'del' : '' }, line + '\n')));
  document.querySelectorAll('#history tr').forEach(tr => tr.classList.toggle('selected', tr.dataset.seq === String(seq)));
  $('dep-name').value = name;
  await loadSeqs();
  $('dep-seq').value = String(seq);
}

async function validate() {
  const r = await fetch('/api/configs/validate', { method: 'POST', body: $('new-yaml').value });
  const body = await r.json();
  const out = $('new-result');
  out.className = body.valid ? 'ok-text' : 'error';
  out.textContent = body.valid ? O.t('valid_config') + ' ' + body.version : body.error;
  return body.valid;
}

async function save() {
  const name = $('new-name').value.trim();
  if (!name) throw new Error(O.t('name_required'));
  const msg = $('new-message').value.trim();
  const v = await call(`/api/configs/${encodeURIComponent(name)}` + (msg ? '?message=' + encodeURIComponent(msg) : ''),
    'POST', $('new-yaml').value, 'application/yaml');
  $('new-result').className = 'ok-text';
  $('new-result').textContent = `${O.t('saved')} ${v.name} #${v.seq} (${v.version})`;
  await loadConfigs();
  await showHistory(v.name);
}

async function deploy(action) {
  const body = {
    config: $('dep-name').value, seq: Number($('dep-seq').value), target: $('dep-target').value.trim(),
    canary_percent: action === 'rollback' ? 100 : Number($('dep-canary').value),
    auto_promote: $('dep-auto').checked, ack_timeout_seconds: Number($('dep-timeout').value), action,
  };
  const r = await call('/api/rollouts', 'POST', JSON.stringify(body));
  $('dep-result').textContent = `${O.t('rollout')} ${r.id}: ${stateName(r.state)}`;
  await loadRollouts();
  await showRollout(r.id);
}

function counts(r) {
  return Object.entries(r.counts).map(([s, n]) => `${stateName(s)} ${n}`).join(' · ');
}

async function loadRollouts() {
  const items = (await O.json('/api/rollouts?limit=30')).items;
  $('rollouts').tBodies[0].replaceChildren(...(items.length ? items.map(r => O.el('tr',
    { 'data-rollout': r.id, style: 'cursor:pointer', class: r.id === shownRollout ? 'selected' : '', onclick: () => showRollout(r.id) },
    O.el('td', { class: 'num' }, r.id), O.el('td', {}, `${r.config} #${r.seq} · ${r.version}`),
    O.el('td', {}, O.t('act_' + r.action)), O.el('td', {}, r.target), O.el('td', { class: 'state' }, badge(r.state)),
    O.el('td', { class: 'counts' }, counts(r)), O.el('td', {}, r.created_by), O.el('td', {}, O.time(r.created_at))))
    : [O.el('tr', {}, O.el('td', { class: 'muted', colspan: 8 }, O.t('none')))]));
  return items;
}

async function showRollout(id) {
  shownRollout = id;
  const r = await O.json('/api/rollouts/' + id);
  $('rollout-box').hidden = false;
  $('rollout-title').replaceChildren(`${r.id} · ${r.config} #${r.seq} (${r.version}) → ${r.target} `, badge(r.state));
  $('promote').hidden = r.state !== 'canary_passed' || $('promote').dataset.hiddenForRole === '1';
  $('rollout-gateways').tBodies[0].replaceChildren(...r.gateways.map(g => O.el('tr', { 'data-gateway': g.gateway },
    O.el('td', {}, `${g.site}/${g.gateway}`), O.el('td', { class: 'state' }, badge(g.state)),
    O.el('td', {}, g.previous || ''), O.el('td', { class: 'muted' }, g.reason || ''), O.el('td', {}, O.time(g.updated_at)))));
  document.querySelectorAll('#rollouts tr').forEach(tr => tr.classList.toggle('selected', tr.dataset.rollout === String(id)));
}

function moving(r) {
  return r.state === 'in_progress' || ['pending', 'delivered', 'reverting'].some(s => r.counts[s]);
}

async function loadTags() {
  const items = (await O.json('/api/gateway-tags')).items;
  $('tags').tBodies[0].replaceChildren(...(items.length ? items.map(t => O.el('tr',
    { style: 'cursor:pointer', onclick: () => { $('tag-name').value = t.tag; $('tag-gateways').value = t.gateways.join('\n'); } },
    O.el('td', {}, 'tag:' + t.tag), O.el('td', { class: 'muted' }, t.gateways.join(', '))))
    : [O.el('tr', {}, O.el('td', { class: 'muted' }, O.t('none')))]));
  const gateways = (await O.json('/api/gateways')).gateways;
  const sites = [...new Set(gateways.map(g => g.site))];
  $('targets').replaceChildren(...['all', ...sites.map(s => 'site:' + s), ...items.map(t => 'tag:' + t.tag),
    ...gateways.map(g => `${g.site}/${g.gateway}`)].map(v => O.el('option', { value: v })));
}

async function saveTag() {
  const gateways = $('tag-gateways').value.split(/[\s,]+/).filter(Boolean);
  await call('/api/gateway-tags/' + encodeURIComponent($('tag-name').value.trim()), 'PUT', JSON.stringify({ gateways }));
  await loadTags();
  await loadAudit();
}

async function loadAudit() {
  const items = (await O.json('/api/config-audit?limit=50')).items;
  $('audit').tBodies[0].replaceChildren(...items.map(a => O.el('tr', {},
    O.el('td', {}, O.time(a.at)), O.el('td', {}, a.actor), O.el('td', { class: 'action' }, O.t('act_' + a.action)),
    O.el('td', {}, a.config ? `${a.config} #${a.seq}` : ''), O.el('td', { class: 'muted' }, a.detail || ''))));
}

/** While a rollout is moving, follow it every 2 s; otherwise look again every 15 s. */
async function tick() {
  let next = 15000;
  try {
    const items = await loadRollouts();
    if (items.some(moving)) next = 2000;
    if (shownRollout != null) await showRollout(shownRollout);
    await loadAudit();
    showError(null);
  } catch (e) { showError(e); }
  setTimeout(tick, next);
}

function guarded(f) { return async (...a) => { try { showError(null); await f(...a); } catch (e) { showError(e); } }; }

O.whoami().catch(() => {});
$('dep-name').onchange = guarded(loadSeqs);
$('validate').onclick = guarded(validate);
$('save').onclick = guarded(save);
$('deploy').onclick = guarded(() => deploy('deploy'));
$('rollback').onclick = guarded(() => deploy('rollback'));
$('promote').onclick = guarded(async () => { await call(`/api/rollouts/${shownRollout}/promote`, 'POST', ''); await showRollout(shownRollout); });
$('tag-save').onclick = guarded(saveTag);
O.translate();
guarded(async () => { await loadConfigs(); await loadTags(); })();
tick();
