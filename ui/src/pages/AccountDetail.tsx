import { useEffect, useState } from 'react';
import { Account, api, enc, HistoryEntry, StoredEvent } from '../api';
import { BalanceChart } from '../components/BalanceChart';
import { Empty, ErrorBox, Loading } from '../components/States';
import { LiveEvent } from '../live';
import { VerifyButton } from './Audit';

interface PastBalance {
  balance: string;
  currency: string;
  version: number;
  at: string;
}

export function AccountDetail({ id, live }: { id: string; live: LiveEvent[] }) {
  const [account, setAccount] = useState<Account | null>(null);
  const [events, setEvents] = useState<StoredEvent[] | null>(null);
  const [history, setHistory] = useState<HistoryEntry[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [point, setPoint] = useState<number | null>(null);
  const [past, setPast] = useState<PastBalance | null>(null);
  const [pastError, setPastError] = useState<unknown>(null);
  // Read again whenever the live timeline shows a new event of this account.
  const newest = live.find((e) => e.account_id === id)?.sequence ?? 0;

  useEffect(() => {
    setError(null);
    Promise.all([
      api<Account>(`/accounts/${enc(id)}?consistency=strong`),
      api<{ events: StoredEvent[] }>(`/accounts/${enc(id)}/events?limit=1000`),
      api<{ history: HistoryEntry[] }>(`/accounts/${enc(id)}/history?limit=1000`),
    ]).then(([a, e, h]) => {
      setAccount(a);
      setEvents(e.events);
      setHistory(h.history);
    }, setError);
  }, [id, newest]);

  // The time-travel control: an instant on the account's history, answered by balance-at.
  const at = history && point !== null ? history[point]?.occurred_at : undefined;
  useEffect(() => {
    if (!at) return;
    setPastError(null);
    api<PastBalance>(`/accounts/${enc(id)}/balance-at?timestamp=${enc(at)}`).then(setPast, setPastError);
  }, [id, at]);

  if (error) return <div className="page"><h1>{id}</h1><ErrorBox error={error} /></div>;
  if (!account || !events || !history) return <div className="page"><Loading what={`account ${id}`} /></div>;
  return (
    <div className="page">
      <h1>
        {account.account_id} <span className={`badge ${account.status}`}>{account.status}</span>
      </h1>
      <div className="stats">
        <div className="card stat">
          <span className="label">Balance</span>
          <span className="value" data-testid="balance">
            {account.balance} {account.currency}
          </span>
        </div>
        <div className="card stat">
          <span className="label">Owner</span>
          <span className="value small">{account.owner_name}</span>
        </div>
        <div className="card stat">
          <span className="label">Version</span>
          <span className="value">{account.version}</span>
        </div>
        <div className="card stat">
          <span className="label">Hash chain</span>
          <VerifyButton id={id} />
        </div>
      </div>
      <section className="card">
        <h2>Balance over time</h2>
        <BalanceChart history={history} marked={at ? Date.parse(at) / 1000 : undefined} />
        <div className="travel">
          <label>
            Time travel
            <input
              type="range"
              min={0}
              max={history.length - 1}
              value={point ?? history.length - 1}
              onChange={(e) => setPoint(Number(e.target.value))}
              data-testid="time-travel"
              aria-label="Time travel: a point in the account's history"
            />
          </label>
          {at ? (
            <p data-testid="past-balance">
              At <time>{at}</time>: <strong>{past ? `${past.balance} ${past.currency}` : '…'}</strong>
              {past && <span> (version {past.version})</span>}
            </p>
          ) : (
            <p>Move the slider to see the balance at an earlier point.</p>
          )}
          <ErrorBox error={pastError} />
        </div>
      </section>
      <section className="card">
        <h2>Events</h2>
        {events.length === 0 ? (
          <Empty>No events.</Empty>
        ) : (
          <ol className="history" data-testid="event-history">
            {events.map((e) => (
              <li key={e.version}>
                <details>
                  <summary>
                    <span className="version">v{e.version}</span> <span className="type">{e.type}</span>{' '}
                    <time>{e.occurred_at}</time> <code className="hash">{e.hash.slice(0, 16)}…</code>
                  </summary>
                  <pre>{JSON.stringify(e, null, 2)}</pre>
                </details>
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}
