// The node's HTTP API, as the dashboard calls it: same origin, the key in the Authorization
// header, errors as the server words them ({"error", "code"}).

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Session {
  key_id: string;
  role: 'auditor' | 'operator' | 'admin';
  may_write: boolean;
}

export interface Account {
  account_id: string;
  owner_name: string;
  currency: string;
  balance: string;
  version: number;
  status: string;
  created_at: string;
  updated_at: string;
  last_hash: string;
}

export interface StoredEvent {
  account_id: string;
  version: number;
  type: string;
  occurred_at: string;
  hash: string;
  prev_hash: string;
  event_id: string;
  data: Record<string, unknown>;
}

export interface HistoryEntry {
  version: number;
  balance: string;
  occurred_at: string;
  type: string;
}

export interface TimelineRow {
  event_id: string;
  account_id: string;
  version: number;
  type: string;
  occurred_at: string;
  data: Record<string, unknown>;
  hash: string;
}

export interface Health {
  status: string;
  node_id: string;
  event_store: string;
  read_models: string;
  bus: string;
  projections: { name: string; events_applied: number; lag_ms: number }[];
}

export interface Verification {
  account_id: string;
  ok: boolean;
  events: number;
  lagging: boolean;
  problems: { version: number; what: string }[];
}

const keyStorage = 'chronicle.key';

// The key lives for this tab only (sessionStorage): closing the tab signs out.
export function savedKey(): string {
  return sessionStorage.getItem(keyStorage) ?? '';
}
export function saveKey(key: string): void {
  if (key) sessionStorage.setItem(keyStorage, key);
  else sessionStorage.removeItem(keyStorage);
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { Authorization: `Bearer ${savedKey()}` };
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'the node cannot be reached');
  }
  const text = await response.text();
  const body = text ? JSON.parse(text) : {};
  if (!response.ok) {
    throw new ApiError(response.status, body.code ?? 'HTTP', body.error ?? response.statusText);
  }
  return body as T;
}

export const command = (route: string, body: Record<string, string>) =>
  api<{ version: number; balance: string }>(`/commands/${route}`, { method: 'POST', body });

export const enc = encodeURIComponent;
