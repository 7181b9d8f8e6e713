import { useEffect, useState } from 'react';
import { api, saveKey, savedKey, Session } from './api';
import { useLiveEvents } from './live';
import { AccountDetail } from './pages/AccountDetail';
import { Accounts } from './pages/Accounts';
import { Audit } from './pages/Audit';
import { Cluster } from './pages/Cluster';
import { Overview } from './pages/Overview';
import { SignIn } from './pages/SignIn';
import { Loading } from './components/States';

function useHash() {
  const [hash, setHash] = useState(location.hash || '#/overview');
  useEffect(() => {
    const changed = () => setHash(location.hash || '#/overview');
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return hash;
}

function Signed({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const hash = useHash();
  const { events, status } = useLiveEvents();
  const [, page, id] = hash.split('/');
  const nav = [
    ['overview', 'Overview'],
    ['accounts', 'Accounts'],
    ['audit', 'Audit'],
    ['cluster', 'Cluster'],
  ];
  return (
    <>
      <header>
        <strong className="brand">ChronicleLedger</strong>
        <nav>
          {nav.map(([p, label]) => (
            <a key={p} href={`#/${p}`} className={page === p ? 'active' : ''}>
              {label}
            </a>
          ))}
        </nav>
        <span className="who">
          {session.key_id} ({session.role})
          <button className="link" onClick={onSignOut}>
            Sign out
          </button>
        </span>
      </header>
      <main>
        {page === 'accounts' && id ? (
          <AccountDetail id={decodeURIComponent(id)} live={events} />
        ) : page === 'accounts' ? (
          <Accounts session={session} />
        ) : page === 'audit' ? (
          <Audit />
        ) : page === 'cluster' ? (
          <Cluster />
        ) : (
          <Overview events={events} status={status} />
        )}
      </main>
    </>
  );
}

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [checking, setChecking] = useState(Boolean(savedKey()));
  useEffect(() => {
    if (!savedKey()) return;
    api<Session>('/session')
      .then(setSession, () => saveKey(''))
      .finally(() => setChecking(false));
  }, []);
  if (checking) return <Loading what="your session" />;
  if (!session) return <SignIn onSignedIn={setSession} />;
  return (
    <Signed
      session={session}
      onSignOut={() => {
        saveKey('');
        setSession(null);
      }}
    />
  );
}
