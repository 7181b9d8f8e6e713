#pragma once

// The event store: the ledger's source of truth.
//
// Promises:
// - append() writes a whole batch (events, idempotency records, outbox rows) in
//   ONE transaction or writes nothing. Per account, versions are contiguous; an
//   event whose (account_id, version) already exists makes the whole batch fail
//   with store_error::conflict, as does an idempotency key that already exists.
// - When append() answers success, the batch is durably committed. When the
//   commit's outcome was ambiguous (connection lost during COMMIT) the store
//   resolves it through the batch's keys before answering; it never re-appends
//   blindly.
// - No exception escapes: driver errors become store_error values.
// - Implementations are not thread-safe: each one is owned by one thread (one
//   database worker actor) at a time.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "domain/account.hpp"
#include "domain/result.hpp"
#include "domain/state_codec.hpp"

namespace chronicle::persistence {

template <class T, class E>
using result = domain::result<T, E>;
using domain::failure;
using done = std::monostate;

enum class store_error {
  unavailable,  // cannot reach the database, or the outcome is unknown: retry later
  conflict,     // version or idempotency key already taken: reload and decide again
  corrupt,      // stored data fails decoding or its hash chain
  failed,       // anything else (a bug, a constraint, a timeout)
};

std::string_view describe(store_error error);

// The stored answer to a command that carried an Idempotency-Key.
struct command_record {
  std::string idempotency_key;
  std::string account_id;
  std::string fingerprint;  // what the request looked like, to spot a reused key
  std::string response;     // JSON text of the command's outcome
};

// One transaction's worth of writes. The events may belong to several
// accounts (the two legs of a transfer); per account they continue, without a
// gap, from the version in expected_versions. `snapshots` are states these
// events reach (domain::snapshot_due), written in the same transaction, so a
// snapshot never exists without its events.
struct append_batch {
  std::map<std::string, std::int64_t> expected_versions;  // account → its version before
  std::vector<domain::event> events;
  std::vector<command_record> commands;
  std::vector<domain::state_snapshot> snapshots;
};

constexpr std::size_t read_events_max = 1000;

// Where a read of several accounts starts: the events after `after_version`.
struct account_cursor {
  std::string account_id;
  std::int64_t after_version = 0;
};

// The most accounts one read at one instant may name.
constexpr std::size_t snapshot_accounts_max = 100;

// An account's latest event: its version and when it occurred.
struct account_head {
  std::string account_id;
  std::int64_t version = 0;
  domain::micros occurred_at = 0;
};

// The most accounts one heads() page answers.
constexpr std::size_t heads_accounts_max = 1000;

class event_store {
 public:
  virtual ~event_store() = default;

  // Events of one account with version >= from_version, ascending, at most
  // `limit` (clamped to read_events_max).
  virtual result<std::vector<domain::event>, store_error> read(const std::string& account_id,
                                                               std::int64_t from_version,
                                                               std::size_t limit) = 0;

  // The records of those keys that exist, in no particular order.
  virtual result<std::vector<command_record>, store_error> find_commands(
      const std::vector<std::string>& keys) = 0;

  virtual result<done, store_error> append(const append_batch& batch) = 0;

  // When the newest event of all accounts occurred (0 when there is none): the
  // reference point for projection lag, and the health check's probe.
  virtual result<domain::micros, store_error> newest_event_time() = 0;

  // Every account's events in (account_id, version) order, after the position
  // (account_id, version) given, at most `limit` (clamped to read_events_max):
  // how replay and verify stream the whole store.
  virtual result<std::vector<domain::event>, store_error> scan(const std::string& after_account_id,
                                                               std::int64_t after_version,
                                                               std::size_t limit) = 0;

  // The events of several accounts (at most snapshot_accounts_max cursors,
  // distinct ids) after each cursor's version, in (account_id, version) order,
  // at most `limit` (clamped to read_events_max), all read at ONE instant of
  // the store: one read-only snapshot transaction. The answer holds every event
  // committed before that instant and none committed after, so a transaction
  // that appended to several accounts is in it whole or not at all. An answer
  // of `limit` events may have been cut short.
  virtual result<std::vector<domain::event>, store_error> read_at_one_instant(
      const std::vector<account_cursor>& cursors, std::size_t limit) = 0;

  // The account's snapshot with the highest version at or below
  // `at_most_version`, if it has one. Snapshots are returned as stored, not
  // checked: see load_state_at.
  virtual result<std::optional<domain::state_snapshot>, store_error> latest_snapshot(
      const std::string& account_id, std::int64_t at_most_version) = 0;

  // The account's snapshots with version >= from_version, ascending, at most
  // `limit` (clamped to read_events_max): how verify checks them.
  virtual result<std::vector<domain::state_snapshot>, store_error> read_snapshots(
      const std::string& account_id, std::int64_t from_version, std::size_t limit) = 0;

  // The version of the account's latest event that occurred at or before `at`
  // (its latest event of all when `at` is empty); 0 when there is none. An
  // account's events occur in version order (the deciders never date an event
  // before its predecessor), so this is the version the account had at `at`.
  virtual result<std::int64_t, store_error> version_at(const std::string& account_id,
                                                       std::optional<domain::micros> at) = 0;

  // The accounts whose id sorts after `after_account_id`, in id order, at most `limit`
  // (clamped to heads_accounts_max), each with its latest event: how the projection's
  // reconcile pass pages through every account. The work is bounded by the page, never by
  // the length of the histories or the number of accounts before the page.
  virtual result<std::vector<account_head>, store_error> heads(const std::string& after_account_id,
                                                               std::size_t limit) = 0;
};

// The account's state right after `version` (its latest state when `version`
// is past its last event; status absent at version 0 or when it has no
// events). Folds from the newest snapshot at or below `version` that agrees
// with the chain (its state decodes, and the stored event at its version has
// the snapshot's hash and instant, and a hash that matches its contents), then
// the events after it, page by page, checking that every event links to its
// predecessor and that its hash matches its contents. A snapshot that does not
// agree is reported on stderr and passed over: the fold starts from the first
// event instead. So the work is bounded by the snapshot interval.
result<domain::account_state, store_error> load_state_at(event_store& store,
                                                         const std::string& account_id,
                                                         std::int64_t version);

// Folds the events after `state` up to version `through` into `state`, page by
// page, checking that every event links to its predecessor and that its hash
// matches its contents; calls `each` (when given) with every event and the
// state right after it. Stops early where the history ends.
using fold_visitor = std::function<void(const domain::event&, const domain::account_state&)>;
result<done, store_error> fold_through(event_store& store, domain::account_state& state,
                                       std::int64_t through, const fold_visitor& each = {});

// The account's latest state: load_state_at(its last version).
result<domain::account_state, store_error> load_state(event_store& store,
                                                      const std::string& account_id);

// Account states folded by earlier reads. History is never changed, so a state
// folded from a prefix of an account's events stays true: a later read only
// needs the events after it. Cleared when it would outgrow accounts_max.
struct state_cache {
  std::unordered_map<std::string, domain::account_state> states;
  std::size_t accounts_max = 10'000;
};

// The states of `account_ids` (at most snapshot_accounts_max) all as of ONE
// instant of the store, in the order asked (a repeated id answers once); an
// account without events answers status absent. The events after the cached
// states are read with read_at_one_instant and checked against the hash chain;
// when that answer is cut short, its events are folded into the cache and the
// read is repeated from there (a bounded number of times).
result<std::vector<domain::account_state>, store_error> load_states_at_one_instant(
    event_store& store, const std::vector<std::string>& account_ids, state_cache& cache);

}  // namespace chronicle::persistence
