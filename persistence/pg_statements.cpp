#include "persistence/pg_statements.hpp"

#include "persistence/pg_connection.hpp"
#include "persistence/pg_event_rows.hpp"
#include "persistence/read_models.hpp"

namespace chronicle::persistence::sql {
namespace {

std::string in_list(std::size_t count) {
  return values_clause(1, count, nullptr);
}

constexpr const char* balance_columns =
    "account_id, owner_name, currency, balance, version, status, last_hash, created_at::text,"
    " last_updated::text";

constexpr const char* transaction_columns =
    "event_id::text, account_id, version, type, amount, balance_after, currency,"
    " description, occurred_at::text, coalesce(transfer_id, ''), coalesce(counterparty, '')";

constexpr const char* timeline_columns =
    "event_id::text, account_id, version, type, schema_version, occurred_at::text, data::text,"
    " hash";

constexpr const char* snapshot_columns =
    "account_id, version, state::text, hash, occurred_at::text FROM snapshots";

}  // namespace

std::string read_events() {
  return std::string{"SELECT "} + event_columns +
         " FROM events e WHERE e.account_id = $1 AND e.version >= $2"
         " ORDER BY e.version LIMIT $3";
}

std::string scan_events() {
  return std::string{"SELECT "} + event_columns +
         " FROM events e WHERE (e.account_id, e.version) > ($1, $2)"
         " ORDER BY e.account_id, e.version LIMIT $3";
}

std::string find_commands(std::size_t count) {
  return "SELECT idempotency_key, account_id, fingerprint, response::text FROM commands"
         " WHERE idempotency_key IN " +
         in_list(count);
}

std::string fence(std::size_t heads, std::size_t tokens) {
  std::string out;
  if (heads > 0) {
    const char* casts[] = {"", "::BIGINT"};
    out = "SELECT h.account_id FROM (VALUES " + values_clause(heads, 2, casts) +
          ") AS h (account_id, expected)"
          " WHERE COALESCE((SELECT e.version FROM events e WHERE e.account_id = h.account_id"
          " ORDER BY e.version DESC LIMIT 1), 0) <> h.expected";
  }
  if (tokens > 0) {
    std::string pairs;
    for (std::size_t i = 0; i < tokens; ++i) {
      const auto first = 2 * (heads + i) + 1;
      pairs += (i == 0 ? "($" : ",($") + std::to_string(first) + ",$" + std::to_string(first + 1) +
               ")";
    }
    out += (heads > 0 ? " UNION ALL " : "") +
           std::string{"SELECT r.account_id FROM hold_revocations r JOIN (VALUES "} + pairs +
           ") AS t (account_id, token) ON r.account_id = t.account_id AND r.token = t.token";
  }
  return out;
}

std::string read_at_one_instant(std::size_t count, std::size_t limit) {
  const char* casts[] = {"", "::BIGINT"};
  return std::string{"SELECT "} + event_columns + " FROM events e JOIN (VALUES " +
         values_clause(count, 2, casts) +
         ") AS c (account_id, after_version)"
         " ON e.account_id = c.account_id AND e.version > c.after_version"
         " ORDER BY e.account_id, e.version LIMIT " +
         std::to_string(limit);
}

std::string latest_snapshot() {
  return std::string{"SELECT "} + snapshot_columns +
         " WHERE account_id = $1 AND version <= $2 ORDER BY version DESC LIMIT 1";
}

std::string read_snapshots() {
  return std::string{"SELECT "} + snapshot_columns +
         " WHERE account_id = $1 AND version >= $2 ORDER BY version LIMIT $3";
}

std::string latest_version() {
  return "SELECT version FROM events WHERE account_id = $1 ORDER BY version DESC LIMIT 1";
}

// Walks events_by_account_time (account_id, occurred_at, version) backwards.
std::string version_at() {
  return "SELECT version FROM events WHERE account_id = $1 AND occurred_at <= $2::TIMESTAMPTZ"
         " ORDER BY occurred_at DESC, version DESC LIMIT 1";
}

std::string newest_event_time() {
  return "SELECT max(occurred_at)::text FROM events";
}

// A loose index scan: each step of the walk is one probe of the primary key for the next
// account id. It counts its steps and stops at $2 by itself, so an engine that evaluates a
// recursive query to its end (CockroachDB) still reads $2 accounts, not all of them. Each
// maximum is one backward probe, of the primary key and of events_by_account_time (an
// account's events occur in version order), never a read of the account's history.
std::string event_heads() {
  return "WITH RECURSIVE walk (account_id, n) AS ("
         " (SELECT account_id, 1 FROM events WHERE account_id > $1 ORDER BY account_id LIMIT 1)"
         " UNION ALL"
         " SELECT (SELECT e.account_id FROM events e WHERE e.account_id > w.account_id"
         " ORDER BY e.account_id LIMIT 1), w.n + 1"
         " FROM walk w WHERE w.account_id IS NOT NULL AND w.n < $2)"
         " SELECT w.account_id,"
         " (SELECT max(e.version) FROM events e WHERE e.account_id = w.account_id),"
         " (SELECT max(e.occurred_at) FROM events e WHERE e.account_id = w.account_id)::text"
         " FROM walk w WHERE w.account_id IS NOT NULL ORDER BY w.account_id";
}

// The outbox rows are picked first, through outbox_by_key, and only then joined with their
// events, one primary-key probe each: the events table is never read beyond those rows. Each
// claimed account's oldest pending row is one more probe of outbox_by_key. Rows another relay
// holds are skipped without waiting, so two relays never wait on each other. The locking scan
// sits in a CTE of its own: PostgreSQL runs it once, and only its rows are locked.
std::string outbox_claim() {
  return std::string{"WITH claimed AS (SELECT account_id, version FROM outbox"
                     " ORDER BY account_id, version LIMIT $1 FOR UPDATE SKIP LOCKED),"
                     " heads AS (SELECT account_id, min(version) AS first FROM claimed"
                     " GROUP BY account_id)"
                     " SELECT "} +
         event_columns +
         " FROM claimed o JOIN heads h ON h.account_id = o.account_id"
         " JOIN events e ON e.account_id = o.account_id AND e.version = o.version"
         " WHERE h.first = (SELECT p.version FROM outbox p WHERE p.account_id = h.account_id"
         " ORDER BY p.version LIMIT 1)"
         " ORDER BY o.account_id, o.version";
}

std::string outbox_claim_hold(int hold_ms) {
  return "SET LOCAL idle_in_transaction_session_timeout = " + std::to_string(hold_ms);
}

std::string outbox_remove(std::size_t count) {
  return "DELETE FROM outbox WHERE event_id IN " + in_list(count);
}

std::string try_role_lock() {
  return "SELECT pg_try_advisory_lock($1)";
}

std::string role_session_keepalives() {
  return "SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 1;"
         " SET tcp_keepalives_count = 3";
}

std::string session_alive() {
  return "SELECT 1";
}

std::string checkpoints(std::size_t count) {
  return "SELECT account_id, CASE WHEN count(*) = " + std::to_string(all_projections.size()) +
         " THEN min(version) ELSE 0 END FROM projection_checkpoints WHERE account_id IN " +
         in_list(count) + " GROUP BY account_id";
}

std::string lock_checkpoints(const std::string& table, std::size_t count) {
  return "SELECT projection, account_id, version FROM " + table + " WHERE account_id IN " +
         in_list(count) + " FOR UPDATE";
}

std::string balances_of(const std::string& table, std::size_t count) {
  return std::string{"SELECT "} + balance_columns + " FROM " + table + " WHERE account_id IN " +
         in_list(count);
}

std::string balances_after(const std::string& table, std::size_t count) {
  const char* casts[] = {"", "::BIGINT"};
  return "SELECT account_id, balance_after FROM " + table +
         " WHERE (account_id, version) IN (VALUES " + values_clause(count, 2, casts) + ")";
}

std::string account() {
  return std::string{"SELECT "} + balance_columns + " FROM account_balance WHERE account_id = $1";
}

// libpqxx sends each statement unnamed with its values, so PostgreSQL plans it for them: an
// empty filter folds away and each combination reads the index that serves it (the primary
// key, account_balance_by_owner or account_balance_by_status).
std::string accounts() {
  return std::string{"SELECT "} + balance_columns +
         " FROM account_balance WHERE ($1 = '' OR owner_name = $1) AND ($2 = '' OR status = $2)"
         " AND account_id > $3 ORDER BY account_id LIMIT $4";
}

std::string transactions_page() {
  return std::string{"SELECT "} + transaction_columns +
         " FROM transactions"
         " WHERE account_id = $1 AND ($2 = 0 OR version < $2) ORDER BY version DESC LIMIT $3";
}

// The columns are qualified: a bare `occurred_at` in ORDER BY would name the output column
// occurred_at::text, and PostgreSQL would sort every row by that text instead of walking
// timeline_by_time.
std::string timeline_page(bool newest_first, bool after_cursor) {
  const std::string direction = newest_first ? "DESC" : "ASC";
  const std::string order =
      " ORDER BY t.occurred_at " + direction + ", t.event_id " + direction + " LIMIT ";
  const std::string select = std::string{"SELECT "} + timeline_columns + " FROM timeline t";
  if (!after_cursor) return select + order + "$1";
  return select + " WHERE (t.occurred_at, t.event_id) " + (newest_first ? "<" : ">") +
         " ($1::TIMESTAMPTZ, $2::UUID)" + order + "$3";
}

std::string progress() {
  return "SELECT projection, last_event_at::text, events_applied FROM projection_status";
}

std::string transactions_of() {
  return std::string{"SELECT "} + transaction_columns +
         " FROM transactions WHERE account_id = $1 ORDER BY version";
}

std::string timeline_of() {
  return std::string{"SELECT "} + timeline_columns +
         " FROM timeline WHERE account_id = $1 ORDER BY version";
}

std::string transfers_from() {
  return "SELECT transfer_id, from_account_id, to_account_id, amount, currency, description,"
         " occurred_at::text FROM transfers t WHERE from_account_id = $1"
         " ORDER BY t.occurred_at, t.transfer_id";
}

std::string checkpoints_of() {
  return "SELECT projection, version FROM projection_checkpoints WHERE account_id = $1";
}

}  // namespace chronicle::persistence::sql
