-- verify and replay read one account's timeline rows at a time.
CREATE INDEX IF NOT EXISTS timeline_by_account ON timeline (account_id, version);
