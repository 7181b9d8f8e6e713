import { useEffect, useRef, useState } from 'react';
import { savedKey } from './api';

// One event of the live timeline (GET /ws/events).
export interface LiveEvent {
  sequence: number;
  account_id: string;
  version: number;
  event_type: string;
  amount: string;
  currency: string;
  balance_after: string;
  occurred_at: string;
  hash: string;
  event_id: string;
  description: string;
  counterparty?: string;
  issued_by?: string;
}

export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

const keep = 200;
const retryMs = 1000;

// The live timeline: newest first, at most `keep` events. On a lost connection it reconnects
// after the last sequence it saw, so nothing is missed and nothing shown twice; when the node
// no longer holds that point (close code 4010) it starts again from now.
export function useLiveEvents(accountId = '') {
  const [events, setEvents] = useState<LiveEvent[]>([]);
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const lastSequence = useRef<number | null>(null);

  useEffect(() => {
    lastSequence.current = null;
    setEvents([]);
    let socket: WebSocket | null = null;
    let stopped = false;
    let timer: number | undefined;
    const connect = () => {
      const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
      const query = new URLSearchParams();
      if (lastSequence.current !== null) query.set('after_sequence', String(lastSequence.current));
      if (accountId) query.set('account_id', accountId);
      socket = new WebSocket(`${scheme}://${location.host}/ws/events?${query}`, [
        'chronicle.v1',
        `bearer.${savedKey()}`,
      ]);
      socket.onmessage = (message) => {
        const frame = JSON.parse(message.data as string);
        if (frame.type === 'ready') {
          if (lastSequence.current === null) lastSequence.current = frame.last_sequence;
          setStatus('live');
          return;
        }
        lastSequence.current = frame.sequence;
        setEvents((shown) => [frame as LiveEvent, ...shown].slice(0, keep));
      };
      socket.onclose = (close) => {
        if (stopped) return;
        if (close.code === 4010) lastSequence.current = null;
        setStatus('reconnecting');
        timer = window.setTimeout(connect, retryMs);
      };
    };
    connect();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      socket?.close();
    };
  }, [accountId]);

  return { events, status };
}
