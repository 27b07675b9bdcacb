// Users: everyone changes their own password here; an admin also lists, creates, disables,
// enables and resets users and issues API tokens. Each change is in the access audit. A new
// password or token is shown once, on this page only.
const O = Outfall;

function showError(e) {
  const p = document.getElementById('error');
  p.hidden = !e;
  p.textContent = e ? e.message : '';
}

async function post(url, body) {
  return O.json(url, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body || {}),
  });
}

/** A secret the server will not show again: in plain sight, with what it is for. */
function showSecret(label, value) {
  const p = document.getElementById('secret');
  p.hidden = false;
  p.replaceChildren(O.el('span', {}, label + ' '), O.el('code', { id: 'secret-value' }, value),
    O.el('span', { class: 'muted' }, ' ' + O.t('shown_once')));
}

function action(key, run) {
  return O.el('button', { type: 'button', 'data-action': key, onclick: async () => {
    try { showError(null); await run(); await refresh(); } catch (e) { showError(e); }
  } }, O.t(key));
}

/** Live tokens and sessions in a table, each with a button that ends it. */
async function fillTokens(tbody, url) {
  const t = await O.json(url);
  tbody.replaceChildren(...(t.items.length ? t.items.map(x => O.el('tr', { 'data-token': x.id },
    O.el('td', {}, O.t('token_' + x.kind)), O.el('td', {}, x.name), O.el('td', {}, O.time(x.created_at)),
    O.el('td', {}, x.expires_at ? O.time(x.expires_at) : '–'),
    O.el('td', {}, action('revoke', () => O.json(`/api/tokens/${x.id}`, { method: 'DELETE' })))))
    : [O.el('tr', {}, O.el('td', { class: 'muted' }, O.t('none')))]));
}

let tokensOf = null; // the user whose tokens an admin looks at

async function refresh() {
  await fillTokens(document.querySelector('#own-tokens tbody'), '/api/tokens');
  if (document.getElementById('admin').hidden) return;
  const users = await O.json('/api/users');
  document.querySelector('#users tbody').replaceChildren(...users.items.map(u => O.el('tr', { 'data-user': u.username },
    O.el('td', {}, u.username), O.el('td', {}, O.t('role_' + u.role)), O.el('td', {}, u.sites.join(', ')),
    O.el('td', { class: 'state' }, O.t(u.disabled ? 'state_disabled' : 'state_enabled')),
    O.el('td', {}, O.time(u.disabled ? u.disabled_at : u.created_at)),
    O.el('td', {},
      u.disabled
        ? action('enable', () => post(`/api/users/${encodeURIComponent(u.username)}/enable`))
        : action('disable', () => O.json(`/api/users/${encodeURIComponent(u.username)}`, { method: 'DELETE' })),
      ' ', action('reset_password', async () => {
        const r = await post(`/api/users/${encodeURIComponent(u.username)}/reset-password`);
        showSecret(`${O.t('new_password')} (${u.username}):`, r.password);
      }),
      ' ', action('issue_token', async () => {
        const r = await post('/api/tokens', { username: u.username, name: 'issued on the users page' });
        showSecret(`${O.t('api_token')} (${u.username}):`, r.token);
        tokensOf = u.username;
      }),
      ' ', action('tokens', async () => { tokensOf = u.username; })))));
  document.getElementById('tokens-box').hidden = tokensOf == null;
  if (tokensOf != null) {
    document.getElementById('tokens-user').textContent = tokensOf;
    await fillTokens(document.querySelector('#tokens tbody'), `/api/tokens?username=${encodeURIComponent(tokensOf)}`);
  }
}

document.getElementById('own').onsubmit = async ev => {
  ev.preventDefault();
  const out = document.getElementById('own-result');
  try {
    showError(null);
    await post('/api/me/password', {
      current_password: document.getElementById('own-current').value, password: document.getElementById('own-new').value,
    });
    out.textContent = O.t('password_changed');
    document.getElementById('own').reset();
  } catch (e) { out.textContent = ''; showError(e); }
};

document.getElementById('new-user').onsubmit = async ev => {
  ev.preventDefault();
  const out = document.getElementById('nu-result');
  try {
    showError(null);
    const name = document.getElementById('nu-name').value.trim();
    await post('/api/users', {
      username: name, role: document.getElementById('nu-role').value, password: document.getElementById('nu-password').value,
      sites: document.getElementById('nu-sites').value.split(',').map(s => s.trim()).filter(s => s),
    });
    out.textContent = `${O.t('saved')}: ${name}`;
    document.getElementById('new-user').reset();
    await refresh();
  } catch (e) { out.textContent = ''; showError(e); }
};

O.translate();
O.whoami().then(me => {
  document.getElementById('admin').hidden = me.role !== 'admin'; // the rest of the page is an admin's
  return refresh();
}).catch(showError);
