// The dashboard shell: login, navigation by URL hash (#/page?selector=value), page rendering.
import { ApiError, login, logout, token } from './api.js';
import { PAGES } from './pages.js';
import { h } from './ui.js';

const $ = (id) => document.getElementById(id);

/** The current page name and its selector values from the hash. */
export function route() {
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
  return { page: PAGES[path] ? path : 'overview', params: Object.fromEntries(new URLSearchParams(query ?? '')) };
}

/** Changes selector values: a new hash, which renders the page again. */
export function navigate(page, params) {
  const qs = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== ''));
  location.hash = `#/${page}${qs.size ? `?${qs}` : ''}`;
}

let renderCount = 0;

async function render() {
  if (!token()) return showLogin();
  $('login-view').hidden = true;
  $('app-view').hidden = false;
  const { page, params } = route();
  const section = PAGES[page].nav ?? page;
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.page === section);
  const main = $('page');
  const mine = ++renderCount;
  main.dataset.state = 'loading';
  main.dataset.page = page;
  try {
    const content = await PAGES[page].render(params, (next) => navigate(page, { ...params, ...next }));
    if (mine !== renderCount) return; // a newer render started meanwhile
    const title = page === 'check' && params.id ? `Check #${params.id}` : PAGES[page].title;
    main.replaceChildren(h('h2', {}, title), ...[content].flat().filter((c) => c !== null && c !== undefined));
    main.dataset.state = 'ready';
  } catch (err) {
    if (mine !== renderCount) return;
    if (err instanceof ApiError && err.status === 401) return showLogin('Your session expired: log in again.');
    main.replaceChildren(h('p', { class: 'error', id: 'page-error' }, `Could not load this page: ${err.message}`));
    main.dataset.state = 'error';
  }
}

function showLogin(message) {
  $('app-view').hidden = true;
  $('login-view').hidden = false;
  const e = $('login-error');
  e.hidden = !message;
  e.textContent = message ?? '';
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const e = $('login-error');
  e.hidden = true;
  try {
    await login($('username').value, $('password').value);
    $('password').value = '';
    await render();
  } catch (err) {
    e.textContent = err.status === 401 ? 'Wrong username or password.' : `Login failed: ${err.message}`;
    e.hidden = false;
  }
});

$('logout').addEventListener('click', () => {
  logout();
  showLogin();
});

window.addEventListener('hashchange', render);
window.addEventListener('qmb-logged-out', () => showLogin('Your session expired: log in again.'));
void render();
