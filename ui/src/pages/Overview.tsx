import { useEffect, useMemo, useState } from 'react';
import { Account, api, Health } from '../api';
import { sumAmounts } from '../money';
import { LiveEvent, LiveStatus } from '../live';
import { LiveTimeline } from '../components/Timeline';
import { ErrorBox, Loading } from '../components/States';

// At most this many pages of 1000 accounts are read for the figures.
const pagesMax = 20;

interface Figures {
  accounts: number;
  complete: boolean;
  totals: [string, string][];
}

async function readFigures(): Promise<Figures> {
  const all: Account[] = [];
  let after = '';
  let pages = 0;
  for (; pages < pagesMax; ++pages) {
    const page = await api<{ accounts: Account[]; next_after: string | null }>(
      `/accounts?limit=1000${after ? `&after=${encodeURIComponent(after)}` : ''}`,
    );
    all.push(...page.accounts);
    if (!page.next_after || page.accounts.length < 1000) break;
    after = page.next_after;
  }
  const byCurrency = new Map<string, string[]>();
  for (const a of all) byCurrency.set(a.currency, [...(byCurrency.get(a.currency) ?? []), a.balance]);
  const totals = [...byCurrency.entries()]
    .map(([c, amounts]): [string, string] => [c, sumAmounts(amounts)])
    .sort();
  return { accounts: all.length, complete: pages < pagesMax, totals };
}

// Events per second over the last 10 s of the live timeline.
function useRate(events: LiveEvent[]) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(t);
  }, []);
  return useMemo(() => {
    const since = now - 10_000;
    return events.filter((e) => Date.parse(e.occurred_at) >= since).length / 10;
  }, [events, now]);
}

export function Overview({ events, status }: { events: LiveEvent[]; status: LiveStatus }) {
  const [health, setHealth] = useState<Health | null>(null);
  const [figures, setFigures] = useState<Figures | null>(null);
  const [error, setError] = useState<unknown>(null);
  const rate = useRate(events);
  const refreshKey = events[0]?.sequence ?? 0;

  useEffect(() => {
    const load = () =>
      fetch('/health')
        .then((r) => r.json())
        .then(setHealth)
        .catch(setError);
    load();
    const t = window.setInterval(load, 5000);
    return () => window.clearInterval(t);
  }, []);
  useEffect(() => {
    readFigures().then(setFigures, setError);
  }, [refreshKey]);

  const lag = health ? Math.max(0, ...health.projections.map((p) => p.lag_ms)) : 0;
  return (
    <div className="page">
      <h1>Overview</h1>
      <ErrorBox error={error} />
      <div className="stats">
        <div className="card stat" data-testid="stat-accounts">
          <span className="label">Accounts</span>
          {figures ? <span className="value">{figures.accounts}{figures.complete ? '' : '+'}</span> : <Loading what="accounts" />}
        </div>
        <div className="card stat" data-testid="stat-totals">
          <span className="label">Total balance</span>
          {figures ? (
            figures.totals.length === 0 ? (
              <span className="value">—</span>
            ) : (
              figures.totals.map(([c, t]) => (
                <span className="value small" key={c}>
                  {t} {c}
                </span>
              ))
            )
          ) : (
            <Loading what="totals" />
          )}
        </div>
        <div className="card stat">
          <span className="label">Events/s (last 10 s)</span>
          <span className="value">{rate.toFixed(1)}</span>
        </div>
        <div className="card stat">
          <span className="label">Projection lag</span>
          <span className="value">{health ? `${lag} ms` : '…'}</span>
        </div>
        <div className="card stat">
          <span className="label">Event store</span>
          <span className={`value ${health?.event_store ?? ''}`}>{health?.event_store ?? '…'}</span>
        </div>
        <div className="card stat">
          <span className="label">NATS</span>
          <span className={`value ${health?.bus ?? ''}`}>{health?.bus ?? '…'}</span>
        </div>
      </div>
      <LiveTimeline events={events} status={status} />
    </div>
  );
}
