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
  roles: { relay: 'running' | 'off'; projection: 'active' | 'standby' | 'off' };
}

// GET /cluster (http/openapi.json's Cluster; built in cluster/router.cpp): every live member
// as this node sees it. This node's entry tells what it sees now, the others' come from their
// last heartbeat; a member silent for failure_detection_ms is dropped from the list.
export interface ClusterMember {
  node_id: string;
  status: 'self' | 'alive' | 'suspect';
  http_url: string;
  cluster_address: string;
  started_at: string;
  last_heartbeat: string | null;
  heard_ms_ago: number | null;
  live_accounts: number;
  owned_accounts: number;
  event_store: 'up' | 'down';
  nats: 'up' | 'down' | 'off';
}

export interface Cluster {
  node_id: string;
  clustered: boolean;
  failure_detection_ms: number;
  members: ClusterMember[];
  forwarded: number;
  retried: number;
  owner_lost: number;
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

export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
) {
  const headers: Record<string, string> = { Authorization: `Bearer ${savedKey()}` };
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  let text: string;
  try {
    response = await fetch(path, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: init.signal,
    });
    text = await response.text();
  } catch {
    // An aborted signal is the caller's time limit.
    if (init.signal?.aborted) throw new ApiError(0, 'TIMEOUT', 'the node did not answer in time');
    throw new ApiError(0, 'NETWORK', 'the node cannot be reached');
  }
  const body = text ? JSON.parse(text) : {};
  if (!response.ok) {
    throw new ApiError(response.status, body.code ?? 'HTTP', body.error ?? response.statusText);
  }
  return body as T;
}

export const command = (route: string, body: Record<string, string>) =>
  api<{ version: number; balance: string }>(`/commands/${route}`, { method: 'POST', body });

export const enc = encodeURIComponent;
