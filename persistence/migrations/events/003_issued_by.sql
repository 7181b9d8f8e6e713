-- Who issued each event's command: the API key id (docs/SECURITY.md). Events of schema
-- version 3 on carry it in their envelope, so the hash chain covers it; older events have ''.
ALTER TABLE events ADD COLUMN IF NOT EXISTS issued_by TEXT NOT NULL DEFAULT '';
