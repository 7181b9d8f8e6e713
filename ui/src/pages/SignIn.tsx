import { useState } from 'react';
import { api, saveKey, Session } from '../api';
import { ErrorBox } from '../components/States';

export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    saveKey(key.trim());
    try {
      onSignedIn(await api<Session>('/session'));
    } catch (err) {
      saveKey('');
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="signin">
      <form className="card" onSubmit={submit}>
        <h1>ChronicleLedger</h1>
        <p>Sign in with an API key (`make run` prints one). It is kept for this tab only.</p>
        <label>
          API key
          <input
            name="key"
            type="password"
            autoComplete="off"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            placeholder="key-id.secret"
            required
          />
        </label>
        <button disabled={busy || !key.trim()}>{busy ? 'Signing in…' : 'Sign in'}</button>
        <ErrorBox error={error} />
      </form>
    </main>
  );
}
