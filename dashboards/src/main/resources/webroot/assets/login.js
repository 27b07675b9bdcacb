// Sign in: POST /api/login sets the session cookie (HttpOnly, SameSite=Strict) the other pages'
// requests carry; then back to the page that sent us here (same site only).
const O = Outfall;
O.translate();

function next() {
  const n = new URLSearchParams(location.search).get('next') || '/';
  return n.startsWith('/') && !n.startsWith('//') ? n : '/';
}

document.getElementById('login').addEventListener('submit', async ev => {
  ev.preventDefault();
  const error = document.getElementById('error');
  error.hidden = true;
  const r = await fetch('/api/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      username: document.getElementById('username').value.trim(),
      password: document.getElementById('password').value,
    }),
  });
  if (r.ok) { location.href = next(); return; }
  const body = await r.json().catch(() => ({}));
  error.textContent = body.error || `${r.status}`;
  error.hidden = false;
});
