#pragma once

// The read models: views derived from the event store by the projections.
//
// Promises:
// - apply() applies a batch of events to every projection, with each
//   projection's per-account checkpoint, in ONE transaction: an (account,
//   version) is applied exactly once. Events at or below a projection's
//   checkpoint are skipped (they were applied already, e.g. by a redelivery);
//   the rest must continue the checkpoint without a gap, or the batch fails
//   with store_error::failed and nothing is written.
// - The writer side (read_model_writer) and the query side (read_model_queries) are
//   separate interfaces, as the database roles that use them are.
// - The rows are a pure function of the events (project_rows below), shared by
//   every implementation, so the PostgreSQL store and its in-memory twin agree.
// - No exception escapes.

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/account.hpp"
#include "persistence/event_store.hpp"

namespace chronicle::persistence {

enum class projection { balances, transactions, timeline, transfers };
constexpr std::array<projection, 4> all_projections = {
    projection::balances, projection::transactions, projection::timeline, projection::transfers};
std::string_view projection_name(projection p);
std::optional<projection> projection_from_name(std::string_view name);

// One money movement of an account, with the balance it left.
struct transaction_row {
  std::string event_id;
  std::string account_id;
  std::int64_t version = 0;
  std::string type;  // "opening", "deposit", "withdrawal", "transfer_out", "transfer_in"
  std::int64_t amount = 0;
  std::int64_t balance_after = 0;
  std::string currency;
  std::string description;
  domain::micros occurred_at = 0;
  std::string transfer_id;   // empty unless a transfer
  std::string counterparty;  // the other account of a transfer
};

// One completed transfer, from its debit leg.
struct transfer_row {
  std::string transfer_id;
  std::string from_account_id;
  std::string to_account_id;
  std::int64_t amount = 0;
  std::string currency;
  std::string description;
  domain::micros occurred_at = 0;
};

// One event of the global timeline.
struct timeline_row {
  std::string event_id;
  std::string account_id;
  std::int64_t version = 0;
  std::string type;
  int schema_version = 0;
  domain::micros occurred_at = 0;
  std::string data;  // JSON text
  std::string hash;
};

// What the projections hold for the accounts of a batch before it is applied.
struct projection_inputs {
  std::map<std::string, domain::account_state> balances;   // absent: not opened yet
  std::map<std::string, std::int64_t> last_balance_after;  // transactions' running balance
  std::map<std::pair<projection, std::string>, std::int64_t> checkpoints;  // absent: 0
};

struct projected_rows {
  std::vector<domain::account_state> balances;  // final state of each touched account
  std::vector<transaction_row> transactions;
  std::vector<timeline_row> timeline;
  std::vector<transfer_row> transfers;
  std::map<std::pair<projection, std::string>, std::int64_t> checkpoints;  // new values
  std::map<projection, std::size_t> applied;    // events applied, per projection
  std::map<projection, domain::micros> newest;  // newest occurred_at applied, per projection
};

// Folds `events` (grouped by account, ascending versions) into rows for the
// projections in `selected`, skipping what each checkpoint covers. Fails with
// a message naming the account and version when an event leaves a gap.
domain::result<projected_rows, std::string> project_rows(const std::vector<domain::event>& events,
                                                         const projection_inputs& inputs,
                                                         const std::vector<projection>& selected);

struct account_filter {
  std::string owner_name;        // exact match; empty: any
  std::string status;            // "open"; empty: any
  std::string after_account_id;  // keyset paging: ids greater than this
  std::size_t limit = 100;
};

struct timeline_cursor {
  domain::micros occurred_at = 0;
  std::string event_id;
};

struct timeline_query {
  bool newest_first = true;
  std::optional<timeline_cursor> after;  // continue after this row, in the chosen order
  std::size_t limit = 100;
};

struct projection_progress {
  projection which;
  domain::micros last_event_at = 0;  // newest event applied
  std::int64_t events_applied = 0;
};

constexpr std::size_t read_model_page_max = 1000;

// Everything the read models hold about one account, oldest first: what
// verify compares with the fold of the account's events.
struct account_rows {
  std::optional<domain::account_state> balance;
  std::vector<transaction_row> transactions;
  std::vector<timeline_row> timeline;
  std::vector<transfer_row> transfers_out;  // transfers this account sent
  std::map<projection, std::int64_t> checkpoints;  // absent: 0
};

// The writer side, as the projections use it with the read-model writer role: checkpoints
// and apply().
class read_model_writer {
 public:
  virtual ~read_model_writer() = default;

  // The lowest checkpoint over all projections, per account (0 when none).
  virtual result<std::map<std::string, std::int64_t>, store_error> checkpoints(
      const std::vector<std::string>& account_ids) = 0;
  // Returns how many events were new to at least one projection.
  virtual result<std::size_t, store_error> apply(const std::vector<domain::event>& events) = 0;
};

// The query side, as the node's reads (application role, read only) and verify (the
// auditor role) use it.
class read_model_queries {
 public:
  virtual ~read_model_queries() = default;

  virtual result<std::optional<domain::account_state>, store_error> account(
      const std::string& account_id) = 0;
  virtual result<std::vector<domain::account_state>, store_error> accounts(
      const account_filter& filter) = 0;
  // Newest first; versions below `before_version` (0: from the newest).
  virtual result<std::vector<transaction_row>, store_error> transactions(
      const std::string& account_id, std::int64_t before_version, std::size_t limit) = 0;
  virtual result<std::vector<timeline_row>, store_error> timeline(const timeline_query& q) = 0;
  virtual result<std::vector<projection_progress>, store_error> progress() = 0;
  virtual result<account_rows, store_error> rows_of(const std::string& account_id) = 0;
};

// Rebuilds projections from scratch beside the live tables and swaps the new
// rows in atomically (row privileges only: the read-model writer role).
class read_model_rebuild {
 public:
  virtual ~read_model_rebuild() = default;
  // Empties the rebuild tables of the selected projections.
  virtual result<done, store_error> begin(const std::vector<projection>& selected) = 0;
  // Like read_model_writer::apply(), into the new tables.
  virtual result<std::size_t, store_error> load(const std::vector<domain::event>& events) = 0;
  // In one transaction: the rebuilt rows and checkpoints replace the live ones.
  virtual result<done, store_error> swap_in() = 0;
};

}  // namespace chronicle::persistence
