#pragma once

// The SQL text of the statements the pg_* stores run on a hot path: commands, the outbox
// relay, the projection and its reconcile pass, strong reads, time travel and the API's
// read-model queries. The stores run these very strings, and the cost test
// (tests/integration/store_cost_test.cpp) asks PostgreSQL for their plans, so a statement
// that would scan a table growing with history fails a test instead of slowing the ledger
// down one event at a time. docs/LLD.md ("Cost of a statement") lists each statement with
// the index it reads through.
//
// Placeholders are numbered from $1 in the order each function's comment gives. Statements
// that name several accounts take `count` of them; table names are parameters where replay
// runs the same statement on its *_rebuild tables.

#include <cstddef>
#include <string>
#include <vector>

namespace chronicle::persistence::sql {

// --- Event store (chronicle_events) ---

// $1 account_id, $2 from_version, $3 limit: one account's events in version order.
std::string read_events();
// $1 after_account_id, $2 after_version, $3 limit: every event in key order (replay, verify).
std::string scan_events();
// $1..$count idempotency keys.
std::string find_commands(std::size_t count);
// The fence of an append: (account_id, expected_version) pairs $1..$(2 heads), then
// (account_id, hold_token) pairs: the accounts not at their expected version (one step down
// the primary key each), and those whose hold token was revoked (one probe each). Either part
// may be empty, not both.
std::string fence(std::size_t heads, std::size_t tokens);
// (account_id, after_version) pairs, $1..$(2 count): events after each cursor.
std::string read_at_one_instant(std::size_t count, std::size_t limit);
// $1 account_id, $2 at_most_version: the newest snapshot at or below a version.
std::string latest_snapshot();
// $1 account_id, $2 from_version, $3 limit.
std::string read_snapshots();
// $1 account_id: the account's latest version.
std::string latest_version();
// $1 account_id, $2 instant: the version the account had at that instant.
std::string version_at();
// No parameters: when the newest event occurred (health, projection lag).
std::string newest_event_time();
// $1 after_account_id, $2 accounts: the accounts after $1 in id order, each with the version
// and instant of its latest event (the projection's reconcile pass): three index probes per
// account, however long its history and however many accounts come before $1.
std::string event_heads();

// --- Outbox (chronicle_events) ---

// $1 limit: the oldest pending rows not claimed by another relay, locked (FOR UPDATE SKIP
// LOCKED), joined with their events, in (account_id, version) order; of each account only if
// its oldest pending row is among them (the others' turn comes when that row is gone).
std::string outbox_claim();
// No parameters: ends the claim's transaction by itself once idle for `hold_ms`.
std::string outbox_claim_hold(int hold_ms);
// $1..$count event ids.
std::string outbox_remove(std::size_t count);

// --- Roles (chronicle_state) ---

// $1 key: takes the session-level advisory lock of a role, without waiting.
std::string try_role_lock();
// No parameters: the server probes an idle holder's connection (TCP keepalives), so the lock
// of a holder cut off by the network is freed within seconds, not hours.
std::string role_session_keepalives();
// No parameters: a round trip that fails when the session is gone.
std::string session_alive();

// --- Read models (chronicle_state) ---

// $1..$count account ids: the lowest checkpoint of each account over all projections.
std::string checkpoints(std::size_t count);
// $1..$count account ids: the checkpoint rows of those accounts, locked.
std::string lock_checkpoints(const std::string& table, std::size_t count);
// $1..$count account ids.
std::string balances_of(const std::string& table, std::size_t count);
// (account_id, version) pairs, $1..$(2 count): the running balance at each checkpoint.
std::string balances_after(const std::string& table, std::size_t count);
// $1 account_id.
std::string account();
// $1 owner ('' any), $2 status ('' any), $3 after_account_id, $4 limit.
std::string accounts();
// $1 account_id, $2 before_version (0: from the newest), $3 limit.
std::string transactions_page();
// Newest first when `newest_first`; with a cursor: $1 occurred_at, $2 event_id, $3 limit;
// without: $1 limit.
std::string timeline_page(bool newest_first, bool after_cursor);
// No parameters: one row per projection.
std::string progress();
// $1 account_id: one account's rows of each read model (verify).
std::string transactions_of();
std::string timeline_of();
std::string transfers_from();
std::string checkpoints_of();

}  // namespace chronicle::persistence::sql
