#pragma once

// The event store: the ledger's source of truth.
//
// Promises:
// - append() writes a whole batch (events, idempotency records, outbox rows) in
//   ONE transaction or writes nothing. Per account, versions are contiguous; an
//   event whose (account_id, version) already exists makes the whole batch fail
//   with store_error::conflict, as does an idempotency key that already exists.
// - Every batch is fenced, the events and the stored refusals alike: it commits
//   only if no account of `expected_versions` has moved past that version, checked
//   inside the same transaction (an account it appends to: its next version is
//   still free; one it only stores a refusal for: its head is that version), and
//   no token of `hold_tokens` has been revoked; otherwise it fails with
//   store_error::conflict and writes nothing.
// - When append() answers success, the batch is durably committed. When the
//   commit's outcome was ambiguous (connection lost during COMMIT) the store
//   learns the outcome before it writes the batch again: it waits for the old
//   transaction to end, or answers unavailable (outcome unknown) when it cannot
//   learn it in time. It never writes a batch whose earlier try may commit.
// - in_one_snapshot() runs several reads against ONE snapshot of the store, so reads that
//   depend on each other (an account's head, then its state at a past point) agree.
// - No exception escapes: driver errors become store_error values.
// - Implementations are not thread-safe: each one is owned by one thread (one
//   database worker actor) at a time.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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

// The stored answer to a command that carried an Idempotency-Key, or to a
// transfer (by its transfer id).
struct command_record {
  std::string idempotency_key;  // the record's key: client_command_key or transfer_command_key
  std::string account_id;
  std::string fingerprint;  // what the request looked like, to spot a reused key
  std::string response;     // JSON text of the command's outcome
};

// Where stored outcomes are kept. An Idempotency-Key belongs to the API key that
// sent it: two API keys may use the same one without sharing an outcome. Transfer
// ids have a namespace of their own, so no Idempotency-Key can take a transfer's
// place. The encodings cannot collide (the API key id's length is spelled out).
std::string client_command_key(std::string_view api_key_id, std::string_view idempotency_key);
std::string transfer_command_key(std::string_view transfer_id);

// One transaction's worth of writes. The events may belong to several
// accounts (the two legs of a transfer); per account they continue, without a
// gap, from the version in expected_versions. `snapshots` are states these
// events reach (domain::snapshot_due), written in the same transaction, so a
// snapshot never exists without its events. A batch decided while holding
// accounts for a transfer names the hold tokens it was granted: it commits only
// while none of them is revoked (revoke_hold).
struct append_batch {
  std::map<std::string, std::int64_t> expected_versions;  // account → its version before
  std::vector<domain::event> events;
  std::vector<command_record> commands;
  std::vector<domain::state_snapshot> snapshots;
  std::map<std::string, std::string> hold_tokens;  // account → its hold's token
};

constexpr std::size_t read_events_max = 1000;

// Where a read of several accounts starts: the events after `after_version`.
struct account_cursor {
  std::string account_id;
  std::int64_t after_version = 0;
};

// The most accounts one read at one instant may name.
constexpr std::size_t snapshot_accounts_max = 100;

// Reads run by event_store::in_one_snapshot; they report a failure of their own as their answer.
using snapshot_reads = std::function<result<done, store_error>()>;

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

  // Revokes an account's hold token for good. Once this answers success, no
  // batch carrying the token commits any more, and every batch carrying it that
  // did commit is seen by every read that starts afterwards: an account that takes
  // itself back from a transfer whose outcome it cannot know revokes the hold,
  // then reloads, and then knows its state.
  virtual result<done, store_error> revoke_hold(const std::string& account_id,
                                                const std::string& token) = 0;

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

  // Runs `reads`, in which every read of this store made by the calling thread answers from
  // ONE snapshot of the store, taken at the first of them (one REPEATABLE READ READ ONLY
  // transaction on PostgreSQL): every transaction committed before that instant is in the
  // answers, none committed after. Answers `reads`' own answer, or the store's error.
  // `reads` may be run again from the start (after a serialization failure), so it must do
  // nothing but read and fill in its answer; it must not append. A call made inside `reads`
  // joins the snapshot.
  virtual result<done, store_error> in_one_snapshot(const snapshot_reads& reads) = 0;

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

// Every event of several accounts (at most snapshot_accounts_max cursors, distinct ids) after
// each cursor's version, as of ONE instant of the store, however many there are:
// read_at_one_instant page by page, each page handed to `each_page` (in (account_id, version)
// order) and the cursors moved past it, until an answer is not cut short. A cut-short page
// holds a prefix of each account's history, which stays true, and the last answer completes
// them all at its one instant, so together the pages are every event committed before that
// instant and none after. Fails with the store's error or `each_page`'s, or unavailable when
// the accounts grow faster than they are read (one_instant_pages_max pages cut short).
using instant_page_visitor = std::function<result<done, store_error>(std::vector<domain::event>&)>;
constexpr int one_instant_pages_max = 1000;
result<done, store_error> read_all_at_one_instant(event_store& store,
                                                  std::vector<account_cursor> cursors,
                                                  const instant_page_visitor& each_page);

// The states of `account_ids` (at most snapshot_accounts_max) all as of ONE
// instant of the store, in the order asked (a repeated id answers once); an
// account without events answers status absent. The events after the cached
// states are read with read_all_at_one_instant and checked against the hash
// chain, each page folded into the cache as it comes.
result<std::vector<domain::account_state>, store_error> load_states_at_one_instant(
    event_store& store, const std::vector<std::string>& account_ids, state_cache& cache);

}  // namespace chronicle::persistence
