// What the console's views share: permission names, who is signed in, the
// current page's abort signal, and navigation. The shell (main.js) renders;
// views call back into it only through refresh(), so nothing imports main.js.

// Permission names as lapsd defines them (server/permissions.h).
export const P = {
  readDevices: 'DeviceManagement.ManagedDevices.Read',
  rotate: 'DeviceManagement.RemoteTasks.RotateLocalAdminPassword',
  readCredentialMetadata: 'DeviceLocalCredential.ReadBasic.All',
  readPassword: 'DeviceLocalCredential.Read.All',
  readPolicies: 'DeviceManagement.SecurityBaselines.Read',
  managePolicies: 'DeviceManagement.SecurityBaselines.ReadWrite',
  readGroups: 'Group.Read.All',
  manageGroups: 'Group.ReadWrite.All',
  readRoles: 'DeviceManagement.Rbac.Read',
  manageRoles: 'DeviceManagement.Rbac.ReadWrite',
  readAudit: 'DeviceManagement.AuditEvents.Read',
  readReports: 'DeviceManagement.Reports.Read',
  manageEnrollment: 'DeviceManagement.Enrollment.ReadWrite',
};

// Who is signed in: /api/v1/me. `can` decides which buttons are offered;
// lapsd checks again on every call, scope tags included.
export const session = {
  me: null,
  can(permission) { return !!this.me && this.me.permissions.includes(permission); },
};

// Each render gets a fresh AbortController; a view stops its polling when
// the admin navigates away.
let current = new AbortController();
export function pageSignal() { return current.signal; }

// Called by the shell as a new page starts rendering: stops the last page's
// work and returns the new page's signal.
export function startPage() {
  current.abort();
  current = new AbortController();
  return current.signal;
}

export function navigate(path, query = {}) {
  const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== '' && v != null));
  const text = params.toString();
  location.hash = `#/${path}${text ? `?${text}` : ''}`;
}

let renderer = () => Promise.resolve();
// The shell registers its render function once.
export function onRefresh(render) { renderer = render; }
// Re-renders the current page in place (after a change).
export function refresh() { return renderer(); }
