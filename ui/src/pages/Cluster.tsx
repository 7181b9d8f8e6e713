import { useEffect, useState } from 'react';
import { api, Cluster as ClusterView, ClusterMember, Health } from '../api';
import { ErrorBox, Loading } from '../components/States';

// GET /cluster is asked again this long after each answer, one request at a time, and a
// request is given up after request_timeout_ms. Nothing is asked while the tab is hidden or
// after the page is left.
const pollIntervalMs = 2000;
const requestTimeoutMs = 5000;
// The heartbeat ages are redrawn this often between answers.
const tickMs = 500;
// Members that left or were dropped while the page was open: the latest this many are listed.
const goneMax = 10;

interface Snapshot {
  cluster: ClusterView;
  health: Health | null;
  // Date.now() when the answer arrived: heard_ms_ago counts from then.
  at: number;
}

interface Gone {
  node_id: string;
  since: number;
}

// "0.4 s", "35 s", "12 min", "5 h", "3 d".
function formatAge(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 120) return `${Math.floor(s)} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min`;
  if (s < 172_800) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}

// How long ago the member's last heartbeat was heard, by this node's clock where it says
// (no clock skew between nodes), else by the heartbeat's own timestamp; null when it has none
// (a node alone).
function heartbeatAge(m: ClusterMember, snapshot: Snapshot, now: number): number | null {
  if (m.heard_ms_ago !== null) return m.heard_ms_ago + (now - snapshot.at);
  if (m.last_heartbeat !== null) return now - Date.parse(m.last_heartbeat);
  return null;
}

function readHealth(signal: AbortSignal): Promise<Health | null> {
  // /health answers 503 with the same body when the node is degraded; the roles are extra.
  return fetch('/health', { signal })
    .then((r) => r.json() as Promise<Health>)
    .catch(() => null);
}

// Polls GET /cluster (and this node's /health for its roles) while the page is shown, and
// remembers the members that disappeared from the list since the page opened.
function useCluster() {
  const [snapshot, setSnapshot] = useState<Snapshot | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [gone, setGone] = useState<Gone[]>([]);

  useEffect(() => {
    let stopped = false;
    // The members of the previous answer.
    let known: Set<string> | null = null;
    let timer: number | undefined;
    let inFlight: AbortController | null = null;
    const remember = (cluster: ClusterView, at: number) => {
      const ids = new Set(cluster.members.map((m) => m.node_id));
      const before = known;
      known = ids;
      if (!before) return;
      const left = [...before]
        .filter((id) => !ids.has(id))
        .map((node_id) => ({ node_id, since: at }));
      // A member that comes back is a member again, no longer gone.
      setGone((shown) => [...left, ...shown.filter((g) => !ids.has(g.node_id))].slice(0, goneMax));
    };
    const poll = async () => {
      timer = undefined;
      const controller = new AbortController();
      inFlight = controller;
      const limit = window.setTimeout(() => controller.abort(), requestTimeoutMs);
      try {
        const [cluster, health] = await Promise.all([
          api<ClusterView>('/cluster', { signal: controller.signal }),
          readHealth(controller.signal),
        ]);
        if (stopped) return;
        const at = Date.now();
        remember(cluster, at);
        setSnapshot({ cluster, health, at });
        setError(null);
      } catch (err) {
        if (!stopped) setError(err);
      } finally {
        window.clearTimeout(limit);
        inFlight = null;
      }
      if (!stopped && !document.hidden) timer = window.setTimeout(poll, pollIntervalMs);
    };
    const visibility = () => {
      if (document.hidden) {
        window.clearTimeout(timer);
        timer = undefined;
      } else if (timer === undefined && inFlight === null) {
        poll();
      }
    };
    document.addEventListener('visibilitychange', visibility);
    poll();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      inFlight?.abort();
      document.removeEventListener('visibilitychange', visibility);
    };
  }, []);
  return { snapshot, error, gone };
}

function useNow() {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = window.setInterval(() => setNow(Date.now()), tickMs);
    return () => window.clearInterval(t);
  }, []);
  return now;
}

const statusTitle: Record<ClusterMember['status'], string> = {
  self: 'the node this dashboard is served by',
  alive: 'heard from within the failure-detection time and chosen as an owner',
  suspect:
    'its connection went down: it is given no accounts until the membership reports it ' +
    'again or forgets it',
};

const countersTitle =
  'requests this node forwarded to their owners / sent again to a new owner / answered ' +
  '503 OWNER_LOST';
const lateTitle = 'no heartbeat for half the failure-detection time';

function MemberRow({ m, snapshot, now }: { m: ClusterMember; snapshot: Snapshot; now: number }) {
  const age = heartbeatAge(m, snapshot, now);
  // Late: half the failure-detection time has passed without a heartbeat.
  const late = age !== null && age > snapshot.cluster.failure_detection_ms / 2;
  const reported = m.status === 'self' ? 'as this node sees it now' : 'as of its last heartbeat';
  return (
    <tr data-testid="cluster-member" data-node-id={m.node_id} className={m.status}>
      <td>
        <strong>{m.node_id}</strong>
        {m.status === 'self' && <span className="badge">this node</span>}
      </td>
      <td>
        <span className={`status ${m.status}`} title={statusTitle[m.status]}>
          {m.status === 'self' ? 'alive' : m.status}
        </span>
      </td>
      <td>
        <a href={m.http_url}>{m.http_url}</a>
        <div className="sub">{m.cluster_address}</div>
      </td>
      <td title={m.started_at}>up {formatAge(now - Date.parse(m.started_at))}</td>
      <td
        data-testid="heartbeat-age"
        className={late ? 'late' : ''}
        title={late ? lateTitle : (m.last_heartbeat ?? '')}
      >
        {age === null ? '—' : `${formatAge(age)} ago`}
      </td>
      <td className="num" data-testid="owned-accounts">
        {m.owned_accounts}
        <div className="sub" title="account actors alive on it, owned or not">
          {m.live_accounts} live
        </div>
      </td>
      <td className={`value ${m.event_store}`} title={reported}>
        {m.event_store}
      </td>
      <td className={`value ${m.nats}`} title={reported}>
        {m.nats}
      </td>
    </tr>
  );
}

function Mode({ cluster }: { cluster: ClusterView }) {
  if (!cluster.clustered) {
    return (
      <p className="state empty" data-testid="cluster-mode">
        This node runs alone (started without <code>--cluster</code>): it owns every account.
      </p>
    );
  }
  if (cluster.members.length === 1) {
    return (
      <p className="state empty" data-testid="cluster-mode">
        This node is the only member of its cluster: it owns every account until others join.
      </p>
    );
  }
  const suspects = cluster.members.filter((m) => m.status === 'suspect').length;
  return (
    <p className={`state ${suspects ? 'warn' : 'ok'}`} data-testid="cluster-mode">
      {cluster.members.length} members
      {suspects ? `, ${suspects} suspect: their accounts are owned by the others` : ', all alive'}.
    </p>
  );
}

export function Cluster() {
  const { snapshot, error, gone } = useCluster();
  const now = useNow();
  if (!snapshot) {
    return (
      <div className="page">
        <h1>Cluster</h1>
        {error ? <ErrorBox error={error} /> : <Loading what="the cluster" />}
      </div>
    );
  }
  const { cluster, health } = snapshot;
  return (
    <div className="page">
      <h1>Cluster</h1>
      {error !== null && (
        <>
          <ErrorBox error={error} />
          <p className="state empty" data-testid="cluster-stale">
            Below: the last answer, {formatAge(now - snapshot.at)} old.
          </p>
        </>
      )}
      <div className="stats">
        <div className="card stat" data-testid="stat-members">
          <span className="label">Members</span>
          <span className="value">{cluster.members.length}</span>
        </div>
        <div className="card stat">
          <span className="label">Failure detection</span>
          <span className="value">
            {cluster.clustered ? formatAge(cluster.failure_detection_ms) : '—'}
          </span>
        </div>
        <div className="card stat" title={countersTitle}>
          <span className="label">Forwarded / retried / lost</span>
          <span className="value">
            {cluster.forwarded} / {cluster.retried} / {cluster.owner_lost}
          </span>
        </div>
        <div className="card stat" data-testid="stat-roles">
          <span className="label">This node's roles</span>
          {health?.roles ? (
            <>
              <span className="value small">relay: {health.roles.relay}</span>
              <span className="value small">projection: {health.roles.projection}</span>
            </>
          ) : (
            <span className="value">…</span>
          )}
        </div>
      </div>
      <section className={error === null ? 'card' : 'card stale'}>
        <h2>Members</h2>
        <Mode cluster={cluster} />
        <div className="table-wrap">
          <table data-testid="cluster-members">
            <thead>
              <tr>
                <th>Node</th>
                <th>Status</th>
                <th>Addresses</th>
                <th>Started</th>
                <th>Last heartbeat</th>
                <th className="num" title="accounts it owns that have a live actor on it">
                  Accounts owned
                </th>
                <th>Event store</th>
                <th>NATS</th>
              </tr>
            </thead>
            <tbody>
              {cluster.members.map((m) => (
                <MemberRow key={m.node_id} m={m} snapshot={snapshot} now={now} />
              ))}
            </tbody>
          </table>
        </div>
        {gone.length > 0 && (
          <div className="gone">
            <h3>Gone since this page opened</h3>
            <ul>
              {gone.map((g) => (
                <li key={g.node_id} data-testid="cluster-gone">
                  {g.node_id}: left or dropped {formatAge(now - g.since)} ago
                </li>
              ))}
            </ul>
          </div>
        )}
      </section>
    </div>
  );
}
