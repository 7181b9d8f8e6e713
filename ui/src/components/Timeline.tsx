import { LiveEvent, LiveStatus } from '../live';
import { Empty } from './States';

const statusText: Record<LiveStatus, string> = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
};

export function LiveTimeline({
  events,
  status,
  limit = 50,
}: {
  events: LiveEvent[];
  status: LiveStatus;
  limit?: number;
}) {
  return (
    <section className="card timeline" aria-label="Live timeline">
      <h2>
        Live timeline <span className={`badge ${status}`}>{statusText[status]}</span>
      </h2>
      {events.length === 0 ? (
        <Empty>No events since this page opened. New ones appear here as they commit.</Empty>
      ) : (
        <ol className="events">
          {events.slice(0, limit).map((e) => (
            <li key={e.sequence} data-testid="live-event">
              <span className="seq">#{e.sequence}</span>
              <a href={`#/accounts/${encodeURIComponent(e.account_id)}`}>{e.account_id}</a>
              <span className="type">{e.event_type}</span>
              <span className="amount">
                {e.amount} {e.currency}
              </span>
              <span className="after">→ {e.balance_after}</span>
              <span className="version">v{e.version}</span>
              <time>{new Date(e.occurred_at).toLocaleTimeString()}</time>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
