// The admin API as the console speaks it: bearer token from sessionStorage
// (never the URL), Graph error bodies turned into ApiError, @odata.nextLink
// followed, CSV downloads through fetch so the token stays in a header.
const TOKEN_KEY = 'openlaps.token';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function token() { return sessionStorage.getItem(TOKEN_KEY); }
export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

let onUnauthenticated = () => {};
export function whenUnauthenticated(callback) { onUnauthenticated = callback; }

function headers(extra) {
  const h = { Accept: 'application/json', ...extra };
  const t = token();
  if (t) h.Authorization = `Bearer ${t}`;
  return h;
}

export async function api(method, path, body) {
  const init = { method, headers: headers(), cache: 'no-store' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!response.ok) {
    const error = data && data.error ? data.error : {};
    if (response.status === 401 && path !== '/api/v1/login') {
      setToken(null);
      onUnauthenticated();
    }
    throw new ApiError(response.status, error.code || String(response.status),
                       error.message || response.statusText);
  }
  return data;
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body ?? {});

// Every page of a collection.
export async function getAll(path) {
  const out = [];
  let next = path;
  while (next) {
    const page = await get(next);
    out.push(...(page.value || []));
    const link = page['@odata.nextLink'];
    next = link ? link.replace(/^https?:\/\/[^/]+/, '') : null;
  }
  return out;
}

// Downloads a report as CSV; the file name comes from the server.
export async function downloadCsv(path) {
  const response = await fetch(path, { headers: headers({ Accept: 'text/csv' }), cache: 'no-store' });
  if (!response.ok) throw new ApiError(response.status, String(response.status), 'export failed');
  const blob = await response.blob();
  const disposition = response.headers.get('Content-Disposition') || '';
  const match = /filename="([^"]+)"/.exec(disposition);
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = match ? match[1] : 'report.csv';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 0);
}

// Graph wants OData string literals with doubled quotes.
export function odataString(text) { return `'${String(text).replaceAll("'", "''")}'`; }
