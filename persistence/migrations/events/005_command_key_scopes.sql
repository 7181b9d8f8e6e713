-- Stored outcomes get namespaces (persistence/event_store.hpp, client_command_key and
-- transfer_command_key): an Idempotency-Key is kept under the API key that sent it, a
-- transfer under its transfer id, and neither can be mistaken for the other. Rows written
-- before this migration had one shared namespace: a transfer's row was 'transfer:<id>',
-- a client's row its bare key, and the API key that sent it was not recorded. Transfer rows
-- move to the transfer namespace; the others are kept for the record under 'legacy:' (no
-- new key can take that form), so that a bare key can never stand in for a scoped one.
-- Portable SQL: runs unchanged on PostgreSQL and CockroachDB.
UPDATE commands
   SET idempotency_key = 'transfer-id:' || substr(idempotency_key, 10)
 WHERE idempotency_key LIKE 'transfer:%';
UPDATE commands
   SET idempotency_key = 'legacy:' || idempotency_key
 WHERE idempotency_key NOT LIKE 'transfer-id:%'
   AND idempotency_key NOT LIKE 'key:%'
   AND idempotency_key NOT LIKE 'legacy:%';
