import { useEffect, useState } from 'react';
import { api, enc, TimelineRow, Verification } from '../api';
import { Empty, ErrorBox, Loading } from '../components/States';

export function VerifyButton({ id }: { id: string }) {
  const [result, setResult] = useState<Verification | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      setResult(await api<Verification>(`/accounts/${enc(id)}/verify`));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="verify">
      <button onClick={run} disabled={busy || !id}>
        {busy ? 'Verifying…' : 'Verify hash chain'}
      </button>
      {result && (
        <p className={`state ${result.ok ? 'ok' : 'error'}`} data-testid="verify-result">
          {result.ok
            ? `Intact: ${result.events} events checked${result.lagging ? ' (read models catching up)' : ''}`
            : `${result.problems.length} problem(s): ${result.problems.map((p) => `v${p.version}: ${p.what}`).join('; ')}`}
        </p>
      )}
      <ErrorBox error={error} />
    </div>
  );
}

const types = ['', 'AccountCreated', 'MoneyDeposited', 'MoneyWithdrawn', 'TransferDebited', 'TransferCredited', 'AccountClosed'];

export function Audit() {
  const [rows, setRows] = useState<TimelineRow[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [type, setType] = useState('');
  const [account, setAccount] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [verifyId, setVerifyId] = useState('');

  const load = (after: string | null) =>
    api<{ events: TimelineRow[]; next: string | null }>(`/events?limit=200${after ? `&after=${enc(after)}` : ''}`).then(
      (p) => {
        setRows((shown) => (after && shown ? [...shown, ...p.events] : p.events));
        setNext(p.events.length === 200 ? p.next : null);
      },
      setError,
    );
  useEffect(() => {
    load(null);
  }, []);

  const fromMs = from ? Date.parse(from) : -Infinity;
  const toMs = to ? Date.parse(to) : Infinity;
  const shown = (rows ?? []).filter((r) => {
    const t = Date.parse(r.occurred_at);
    return (!type || r.type === type) && (!account || r.account_id === account) && t >= fromMs && t <= toMs;
  });
  return (
    <div className="page">
      <h1>Audit</h1>
      <section className="card">
        <h2>Verify an account</h2>
        <div className="toolbar">
          <input placeholder="Account id" value={verifyId} onChange={(e) => setVerifyId(e.target.value.trim())} data-testid="verify-id" />
          <VerifyButton id={verifyId} />
        </div>
      </section>
      <section className="card">
        <h2>Timeline</h2>
        <div className="toolbar filters">
          <select value={type} onChange={(e) => setType(e.target.value)} aria-label="Event type">
            {types.map((t) => (
              <option key={t} value={t}>
                {t || 'Any type'}
              </option>
            ))}
          </select>
          <input placeholder="Account id" value={account} onChange={(e) => setAccount(e.target.value.trim())} />
          <label>
            From <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label>
            To <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
          </label>
        </div>
        <ErrorBox error={error} />
        {!rows ? (
          <Loading what="the timeline" />
        ) : shown.length === 0 ? (
          <Empty>No events match{next ? ' on the pages read so far' : ''}.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Account</th>
                  <th className="num">Version</th>
                  <th>Type</th>
                  <th>Data</th>
                  <th>Hash</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((r) => (
                  <tr key={r.event_id}>
                    <td>{r.occurred_at}</td>
                    <td>
                      <a href={`#/accounts/${enc(r.account_id)}`}>{r.account_id}</a>
                    </td>
                    <td className="num">{r.version}</td>
                    <td>{r.type}</td>
                    <td>
                      <code>{JSON.stringify(r.data)}</code>
                    </td>
                    <td>
                      <code className="hash">{r.hash.slice(0, 12)}…</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {next && <button onClick={() => load(next)}>Older events</button>}
      </section>
    </div>
  );
}
