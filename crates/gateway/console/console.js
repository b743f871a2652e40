// session-gateway console: a small page over the admin API (/admin/v1). No framework, no
// build step. The admin token lives in this tab's sessionStorage only and travels in an
// Authorization header on same-origin fetches; nothing is written into the page as HTML.
'use strict';

const TOKEN_KEY = 'session-gateway.admin-token';
const FLAVORS = ['quicksync', 'quickblox', 'amity', 'session-storage'];
const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------------------------------------
// DOM helpers: every text goes through textContent.

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'on') {
      for (const [event, fn] of Object.entries(v)) el.addEventListener(event, fn);
    } else if (k === 'dataset') {
      Object.assign(el.dataset, v);
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function ago(iso) {
  if (!iso) return '';
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

function time(iso, relative) {
  return h('time', { datetime: iso, title: iso }, relative ? `${when(iso)} (${ago(iso)})` : when(iso));
}

function toast(text) {
  const t = $('toast');
  t.textContent = text;
  t.classList.add('show');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.classList.remove('show'), 3000);
}

function confirmAction(text) {
  const dialog = $('confirm');
  $('confirm-text').textContent = text;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
    $('confirm-cancel').focus();
  });
}

// ---------------------------------------------------------------------------------------------
// The admin API.

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(method, path, body) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) throw new ApiError(401, 'not signed in');
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`/admin/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit',
    cache: 'no-store',
    redirect: 'error',
  });
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (res.status === 401) {
    signOut('The admin token was refused; sign in again.');
    throw new ApiError(401, 'unauthorized');
  }
  if (!res.ok) {
    throw new ApiError(res.status, (data && data.error && data.error.message) || res.statusText);
  }
  return data;
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

// ---------------------------------------------------------------------------------------------
// Sign-in.

function signedIn() {
  return !!sessionStorage.getItem(TOKEN_KEY);
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  $('view').replaceChildren();
  $('signin-error').textContent = message || '';
  show();
}

async function signIn(event) {
  event.preventDefault();
  const token = $('token').value.trim();
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  $('token').value = '';
  try {
    await api('GET', '/overview');
    $('signin-error').textContent = '';
    if (!location.hash || location.hash === '#/') location.hash = '#/overview';
    show();
  } catch (e) {
    if (e.status !== 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      $('signin-error').textContent = `The gateway did not answer: ${e.message}`;
    } else {
      $('signin-error').textContent = 'That is not the admin token.';
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Pages.

function route() {
  const [path, q] = (location.hash.replace(/^#/, '') || '/overview').split('?');
  return { parts: path.split('/').filter(Boolean), params: new URLSearchParams(q || '') };
}

let rendering = 0;

async function show() {
  const signed = signedIn();
  $('signin').hidden = signed;
  $('view').hidden = !signed;
  $('nav').hidden = !signed;
  $('signout').hidden = !signed;
  if (!signed) {
    $('token').focus();
    return;
  }
  const { parts, params } = route();
  const page = parts[0] || 'overview';
  for (const name of ['overview', 'sessions', 'tenants']) {
    const link = $(`nav-${name}`);
    if (page === name || (page === 'group' && name === 'sessions')) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const view = $('view');
  const ticket = ++rendering;
  view.setAttribute('aria-busy', 'true');
  try {
    let content;
    if (page === 'sessions') content = await sessionsPage(params);
    else if (page === 'group') content = await groupPage(decodeURIComponent(parts[1] || ''));
    else if (page === 'tenants') content = await tenantsPage(parts[1]);
    else content = await overviewPage();
    if (ticket !== rendering) return;
    view.replaceChildren(content);
    view.dataset.page = page;
  } catch (e) {
    if (ticket !== rendering || e.status === 401) return;
    view.replaceChildren(h('h1', {}, 'Something went wrong'), h('p', { class: 'error', role: 'alert' }, e.message));
  } finally {
    view.removeAttribute('aria-busy');
  }
}

async function overviewPage() {
  const { data } = await api('GET', '/overview');
  const store = data.store;
  const cards = [h('div', { class: 'card', id: 'store-card' },
    h('h2', {}, 'Store'),
    h('p', { class: `big ${store.ok ? 'ok' : 'bad'}` }, store.ok ? 'healthy' : 'unavailable'),
    h('dl', { class: 'facts' },
      h('dt', {}, 'backend'), h('dd', {}, store.backend),
      h('dt', {}, 'ping'), h('dd', {}, `${store.latency_ms} ms`),
      store.error ? [h('dt', {}, 'error'), h('dd', { class: 'bad' }, store.error)] : null))];
  const minutes = Math.max(1, Math.round(data.window_seconds / 60));
  for (const f of data.flavors) {
    cards.push(h('div', { class: 'card flavor', dataset: { flavor: f.flavor } },
      h('h2', {}, f.flavor, ' ', f.served ? null : h('span', { class: 'tag' }, 'not served here')),
      h('p', {}, h('span', { class: 'big live' }, f.live === null ? '?' : f.live), ' live sessions',
        f.groups !== null ? ` in ${f.groups} groups` : ''),
      h('dl', { class: 'facts' },
        h('dt', {}, `created (${minutes} min)`), h('dd', { class: 'created' }, f.created),
        h('dt', {}, `revoked (${minutes} min)`), h('dd', { class: 'revoked' }, f.revoked),
        h('dt', {}, `expired (${minutes} min)`), h('dd', { class: 'expired' }, f.expired)),
      f.tenants.length ? h('table', {},
        h('thead', {}, h('tr', {}, h('th', {}, 'tenant'), h('th', {}, 'live'))),
        h('tbody', {}, f.tenants.map((t) => h('tr', {},
          h('td', {}, h('a', { href: `#/sessions${query({ flavor: f.flavor, tenant: t.tenant })}` }, t.name || t.tenant)),
          h('td', {}, t.live))))) : null));
  }
  return h('div', {},
    h('div', { class: 'actions' }, h('h1', {}, 'Overview'),
      h('button', { type: 'button', class: 'quiet small', id: 'refresh', on: { click: show } }, 'Refresh')),
    h('p', { class: 'hint' },
      data.complete ? 'Live sessions counted in the store now. ' : `Counted the first ${data.counted_owners} users and groups only. `,
      `Created, revoked and expired: this gateway process, last ${minutes} min.`),
    h('div', { class: 'cards' }, cards));
}

function sessionRow(s, options) {
  const actions = [];
  if (s.members !== null && s.members !== undefined) {
    actions.push(h('a', { href: `#/group/${encodeURIComponent(s.handle)}`, class: 'members' }, `members (${s.members}/${s.capacity})`));
  }
  actions.push(h('button', { type: 'button', class: 'small danger revoke', on: { click: () => revokeOne(s, options.after) } }, 'Revoke'));
  if (s.subject && !s.group && s.members === null) {
    actions.push(h('button', { type: 'button', class: 'small quiet revoke-all', on: { click: () => revokeUser(s, options.after) } }, 'Revoke all of user'));
  }
  const cell = (label, content, cls) => h('td', { 'data-label': label, class: cls }, content);
  const kind = s.capacity !== null && s.capacity !== undefined ? 'group' : (s.group ? 'member' : 'session');
  return h('tr', { dataset: { handle: s.handle, flavor: s.flavor, kind, role: s.role || '' } },
    cell('flavor', s.flavor),
    cell('tenant', s.tenant_name ? h('span', { title: s.tenant }, s.tenant_name) : s.tenant, 'mono'),
    cell('user', s.subject === null ? h('span', { class: 'muted' }, 'application') : s.subject, 'mono subject'),
    cell('role', s.role || ''),
    cell('device', s.device || '', 'mono'),
    cell('IP', s.ip || '', 'mono ip'),
    cell('user agent', s.user_agent || '', 'ua'),
    cell('created', time(s.created_at)),
    cell('last seen', time(s.last_seen_at, true)),
    cell('expires', time(s.expires_at)),
    cell('', h('div', { class: 'actions' }, actions)));
}

function sessionsTable(items, options) {
  return h('table', { class: 'stack sessions' },
    h('thead', {}, h('tr', {}, ['flavor', 'tenant', 'user', 'role', 'device', 'IP', 'user agent', 'created', 'last seen', 'expires', ''].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, items.map((s) => sessionRow(s, options))));
}

async function revokeOne(s, after) {
  const who = s.subject ? `${s.subject} (${s.flavor}, ${s.tenant_name || s.tenant})` : `${s.flavor} session`;
  if (!(await confirmAction(`Revoke this session of ${who}?`))) return;
  try {
    const r = await api('DELETE', `/sessions/${encodeURIComponent(s.handle)}`);
    toast(`Revoked ${r.revoked} session${r.revoked === 1 ? '' : 's'}.`);
  } catch (e) {
    toast(`Not revoked: ${e.message}`);
  }
  (after || show)();
}

async function revokeUser(s, after) {
  const tenant = s.tenant_name || s.tenant;
  if (!(await confirmAction(`Revoke every ${s.flavor} session of ${s.subject} in ${tenant}?`))) return;
  try {
    const r = await api('DELETE', `/sessions${query({ flavor: s.flavor, tenant: s.tenant, subject: s.subject })}`);
    toast(`Revoked ${r.revoked} session${r.revoked === 1 ? '' : 's'}.`);
  } catch (e) {
    toast(`Not revoked: ${e.message}`);
  }
  (after || show)();
}

async function sessionsPage(params) {
  const filters = {
    flavor: params.get('flavor') || '',
    tenant: params.get('tenant') || '',
    subject: params.get('subject') || '',
    created_after: params.get('created_after') || '',
  };
  const pageToken = params.get('page_token') || '';
  const { data, next_page_token: next } = await api('GET', `/sessions${query({ ...filters, page_token: pageToken, page_size: 50 })}`);
  const local = filters.created_after ? toLocalInput(filters.created_after) : '';
  const form = h('form', { class: 'filters', id: 'filters', role: 'search', on: { submit: search } },
    h('div', {}, h('label', { for: 'f-subject' }, 'User id'),
      h('input', { id: 'f-subject', name: 'subject', value: filters.subject, placeholder: 'as the app knows it', spellcheck: 'false' })),
    h('div', {}, h('label', { for: 'f-flavor' }, 'Flavor'),
      h('select', { id: 'f-flavor', name: 'flavor' }, h('option', { value: '' }, 'all'),
        FLAVORS.map((f) => h('option', { value: f, selected: f === filters.flavor }, f)))),
    h('div', {}, h('label', { for: 'f-tenant' }, 'Tenant'),
      h('input', { id: 'f-tenant', name: 'tenant', value: filters.tenant, placeholder: 'app id, network, key or client', spellcheck: 'false' })),
    h('div', {}, h('label', { for: 'f-created' }, 'Created after'),
      h('input', { id: 'f-created', name: 'created_after', type: 'datetime-local', step: 1, value: local })),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', id: 'search' }, 'Search'),
      h('button', { type: 'button', class: 'quiet', on: { click: () => { location.hash = '#/sessions'; } } }, 'Clear')));
  const pager = h('div', { class: 'actions' },
    pageToken ? h('a', { href: `#/sessions${query(filters)}`, id: 'first-page' }, 'First page') : null,
    next ? h('a', { href: `#/sessions${query({ ...filters, page_token: next })}`, id: 'next-page' }, 'Next page') : null);
  return h('div', {},
    h('h1', {}, 'Sessions'),
    form,
    h('p', { class: 'hint', id: 'count' }, data.length ? `${data.length} session${data.length === 1 ? '' : 's'} on this page.` : 'No session matches.'),
    data.length ? sessionsTable(data, {}) : null,
    pager);
}

function toLocalInput(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function search(event) {
  event.preventDefault();
  const f = new FormData(event.target);
  const created = f.get('created_after');
  const hash = `#/sessions${query({
    subject: f.get('subject').trim(),
    flavor: f.get('flavor'),
    tenant: f.get('tenant').trim(),
    created_after: created ? new Date(created).toISOString() : '',
  })}`;
  if (location.hash === hash) show();
  else location.hash = hash;
}

async function groupPage(handle) {
  const { data } = await api('GET', `/sessions/${encodeURIComponent(handle)}/members`);
  const g = data.group;
  const members = data.members.map((m) => {
    const row = sessionRow(m, {});
    const actions = row.querySelector('.actions');
    actions.replaceChildren(h('button', { type: 'button', class: 'small danger kick', on: { click: () => kick(m) } }, 'Kick'));
    return row;
  });
  return h('div', {},
    h('p', {}, h('a', { href: `#/sessions${query({ flavor: g.flavor })}` }, '← sessions')),
    h('h1', {}, 'Group'),
    h('dl', { class: 'facts', id: 'group-facts' },
      h('dt', {}, 'tenant'), h('dd', {}, g.tenant_name || g.tenant),
      h('dt', {}, 'created by'), h('dd', { class: 'mono' }, g.subject || ''),
      h('dt', {}, 'members'), h('dd', { id: 'capacity' }, `${data.members.length} of ${g.capacity}`),
      h('dt', {}, 'created'), h('dd', {}, time(g.created_at)),
      h('dt', {}, 'expires'), h('dd', {}, time(g.expires_at))),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'danger', id: 'end-group', on: { click: () => endGroup(g) } }, 'End the group')),
    h('h2', {}, 'Members'),
    data.members.length ? h('table', { class: 'stack sessions members' },
      h('thead', {}, h('tr', {}, ['flavor', 'tenant', 'user', 'role', 'device', 'IP', 'user agent', 'joined', 'last seen', 'expires', ''].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, members)) : h('p', { class: 'hint' }, 'No member left.'));
}

async function kick(m) {
  if (!(await confirmAction(`Kick ${m.subject} (${m.role}) out of the group?`))) return;
  try {
    await api('DELETE', `/sessions/${encodeURIComponent(m.handle)}`);
    toast('Kicked.');
  } catch (e) {
    toast(`Not kicked: ${e.message}`);
  }
  show();
}

async function endGroup(g) {
  if (!(await confirmAction('End the group and sign every member out?'))) return;
  try {
    const r = await api('DELETE', `/sessions/${encodeURIComponent(g.handle)}`);
    toast(`Ended: ${r.revoked} sessions revoked.`);
    location.hash = `#/sessions${query({ flavor: g.flavor })}`;
  } catch (e) {
    toast(`Not ended: ${e.message}`);
    show();
  }
}

async function tenantsPage(kindName) {
  const { data: kinds } = await api('GET', '/tenants');
  const kind = kinds.find((k) => k.kind === kindName) || kinds[0];
  const { data: entries } = await api('GET', `/tenants/${encodeURIComponent(kind.kind)}`);
  const tabs = h('nav', { class: 'tabs', 'aria-label': 'Kinds' }, kinds.map((k) =>
    h('a', { href: `#/tenants/${k.kind}`, 'aria-current': k.kind === kind.kind ? 'page' : null, dataset: { kind: k.kind } },
      `${k.kind} (${k.config + k.runtime})`)));
  const message = h('p', { class: 'error', role: 'alert', id: 'tenant-error' });
  const editor = h('textarea', { id: 'tenant-doc', spellcheck: 'false', 'aria-describedby': 'tenant-help' },
    JSON.stringify(kind.example, null, 2));
  const editing = { id: null };
  const title = h('h2', { id: 'editor-title' }, `Add a ${kind.kind} entry`);
  const save = async (event) => {
    event.preventDefault();
    message.textContent = '';
    let doc;
    try {
      doc = JSON.parse(editor.value);
    } catch (e) {
      message.textContent = `Not valid JSON: ${e.message}`;
      return;
    }
    try {
      const path = editing.id ? `/tenants/${kind.kind}/${encodeURIComponent(editing.id)}` : `/tenants/${kind.kind}`;
      await api('PUT', path, doc);
      toast('Saved.');
      show();
    } catch (e) {
      message.textContent = e.message;
    }
  };
  const rows = entries.map((e) => h('tr', { dataset: { id: e.id, source: e.source } },
    h('td', { 'data-label': 'source' }, h('span', { class: 'tag' }, e.source)),
    h('td', { 'data-label': 'tenant', class: 'mono' }, e.names ? e.names.join(', ') : ''),
    h('td', { 'data-label': 'entry' }, h('pre', { class: 'doc' }, JSON.stringify(e.entry, null, 1))),
    h('td', { 'data-label': '' }, e.source === 'runtime' ? h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'small quiet edit', on: { click: () => {
        editing.id = e.id;
        title.textContent = `Edit ${e.id.length > 24 ? `${e.id.slice(0, 24)}…` : e.id}`;
        editor.value = JSON.stringify(e.entry, null, 2);
        editor.focus();
      } } }, 'Edit'),
      h('button', { type: 'button', class: 'small danger remove', on: { click: () => removeTenant(kind.kind, e.id) } }, 'Remove'))
      : h('span', { class: 'muted' }, 'in the configuration'))));
  return h('div', {},
    h('h1', {}, 'Tenants'),
    tabs,
    kind.served ? null : h('p', { class: 'hint' }, `This process does not serve ${kind.flavor}; its entries still apply to the gateways that do.`),
    entries.length ? h('table', { class: 'stack tenants' },
      h('thead', {}, h('tr', {}, ['source', 'names', 'entry (secrets masked)', ''].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows)) : h('p', { class: 'hint' }, 'None yet.'),
    h('form', { id: 'tenant-form', on: { submit: save } },
      title,
      h('p', { class: 'hint', id: 'tenant-help' },
        'The fields of the configuration entry, as JSON. Masked values (********) keep what is stored. ',
        `The id comes from ${kind.id_fields.join(' and ')}.`),
      editor,
      message,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', id: 'tenant-save' }, 'Save'),
        h('button', { type: 'button', class: 'quiet', on: { click: () => {
          editing.id = null;
          title.textContent = `Add a ${kind.kind} entry`;
          editor.value = JSON.stringify(kind.example, null, 2);
          message.textContent = '';
        } } }, 'New'))));
}

async function removeTenant(kind, id) {
  if (!(await confirmAction(`Remove this ${kind} entry? Its clients can no longer sign in.`))) return;
  try {
    await api('DELETE', `/tenants/${kind}/${encodeURIComponent(id)}`);
    toast('Removed.');
  } catch (e) {
    toast(`Not removed: ${e.message}`);
  }
  show();
}

// ---------------------------------------------------------------------------------------------
// Start.

document.addEventListener('DOMContentLoaded', () => {
  $('signin-form').addEventListener('submit', signIn);
  $('signout').addEventListener('click', () => signOut(''));
  window.addEventListener('hashchange', show);
  document.addEventListener('keydown', (e) => {
    if (e.key !== '/' || e.target.closest('input, textarea, select')) return;
    const box = $('f-subject');
    if (box) {
      e.preventDefault();
      box.focus();
    }
  });
  show();
});
