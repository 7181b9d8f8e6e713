import { useCallback, useEffect, useState } from 'react';
import { Account, api, command, Session } from '../api';
import { Empty, ErrorBox, Loading } from '../components/States';

const currencies = ['EUR', 'USD', 'GBP', 'CHF', 'CAD', 'AUD', 'INR', 'JPY'];

type Fields = Record<string, string>;

// A command form: posts its fields and shows the server's answer, or its refusal, inline.
function CommandForm({
  title,
  route,
  fields,
  onDone,
}: {
  title: string;
  route: string;
  fields: { name: string; label: string; options?: string[]; optional?: boolean }[];
  onDone: () => void;
}) {
  const empty = Object.fromEntries(fields.map((f) => [f.name, f.options?.[0] ?? '']));
  const [values, setValues] = useState<Fields>(empty);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState('');
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    setDone('');
    const body = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ''));
    try {
      const r = await command(route, body);
      setDone(`Done: version ${r.version}, balance ${r.balance ?? ''}`);
      setValues(empty);
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="card command" onSubmit={submit} data-testid={`form-${route}`}>
      <h3>{title}</h3>
      {fields.map((f) => (
        <label key={f.name}>
          {f.label}
          {f.options ? (
            <select name={f.name} value={values[f.name]} onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}>
              {f.options.map((o) => (
                <option key={o}>{o}</option>
              ))}
            </select>
          ) : (
            <input
              name={f.name}
              value={values[f.name]}
              required={!f.optional}
              onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}
            />
          )}
        </label>
      ))}
      <button>{title}</button>
      {done && <p className="state ok" role="status">{done}</p>}
      <ErrorBox error={error} />
    </form>
  );
}

export function Accounts({ session }: { session: Session }) {
  const [accounts, setAccounts] = useState<Account[] | null>(null);
  const [owner, setOwner] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [jump, setJump] = useState('');
  const load = useCallback(() => {
    setError(null);
    api<{ accounts: Account[] }>(`/accounts?limit=100${owner ? `&owner=${encodeURIComponent(owner)}` : ''}`).then(
      (p) => setAccounts(p.accounts),
      setError,
    );
  }, [owner]);
  useEffect(load, [load]);
  // The list is eventually consistent: read it again shortly after a command.
  const afterCommand = () => window.setTimeout(load, 300);

  return (
    <div className="page">
      <h1>Accounts</h1>
      <div className="toolbar">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (jump.trim()) location.hash = `#/accounts/${encodeURIComponent(jump.trim())}`;
          }}
        >
          <input placeholder="Open account id…" value={jump} onChange={(e) => setJump(e.target.value)} />
        </form>
        <input placeholder="Filter by owner (exact)" value={owner} onChange={(e) => setOwner(e.target.value)} />
      </div>
      <ErrorBox error={error} />
      {!accounts ? (
        <Loading what="accounts" />
      ) : accounts.length === 0 ? (
        <Empty>No accounts{owner ? ` of ${owner}` : ''} yet.</Empty>
      ) : (
        <div className="table-wrap">
          <table data-testid="accounts-table">
            <thead>
              <tr>
                <th>Account</th>
                <th>Owner</th>
                <th className="num">Balance</th>
                <th>Status</th>
                <th className="num">Version</th>
              </tr>
            </thead>
            <tbody>
              {accounts.map((a) => (
                <tr key={a.account_id}>
                  <td>
                    <a href={`#/accounts/${encodeURIComponent(a.account_id)}`}>{a.account_id}</a>
                  </td>
                  <td>{a.owner_name}</td>
                  <td className="num">
                    {a.balance} {a.currency}
                  </td>
                  <td>{a.status}</td>
                  <td className="num">{a.version}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {session.may_write ? (
        <div className="forms">
          <CommandForm
            title="Open account"
            route="create-account"
            onDone={afterCommand}
            fields={[
              { name: 'account_id', label: 'Account id' },
              { name: 'owner_name', label: 'Owner' },
              { name: 'currency', label: 'Currency', options: currencies },
              { name: 'initial_balance', label: 'Initial balance', optional: true },
            ]}
          />
          <CommandForm
            title="Deposit"
            route="deposit"
            onDone={afterCommand}
            fields={[
              { name: 'account_id', label: 'Account id' },
              { name: 'amount', label: 'Amount' },
              { name: 'description', label: 'Description', optional: true },
            ]}
          />
          <CommandForm
            title="Withdraw"
            route="withdraw"
            onDone={afterCommand}
            fields={[
              { name: 'account_id', label: 'Account id' },
              { name: 'amount', label: 'Amount' },
              { name: 'description', label: 'Description', optional: true },
            ]}
          />
          <CommandForm
            title="Transfer"
            route="transfer"
            onDone={afterCommand}
            fields={[
              { name: 'from_account_id', label: 'From' },
              { name: 'to_account_id', label: 'To' },
              { name: 'amount', label: 'Amount' },
              { name: 'description', label: 'Description', optional: true },
            ]}
          />
          <CommandForm
            title="Close account"
            route="close-account"
            onDone={afterCommand}
            fields={[{ name: 'account_id', label: 'Account id' }]}
          />
        </div>
      ) : (
        <Empty>Your key ({session.role}) may read only: commands are hidden.</Empty>
      )}
    </div>
  );
}
