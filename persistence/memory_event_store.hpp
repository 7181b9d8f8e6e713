#pragma once

// The in-memory twin of the event store, for actor and unit tests. It keeps the
// same promises as the PostgreSQL store (atomic batches, conflicts on versions
// and keys) and can be switched to "unavailable" to test outage handling.
// It is also the twin of the outbox: every appended event waits in its outbox
// until removed. Thread-safe, so a test can share one instance among several
// workers and a relay. in_one_snapshot() keeps the same promise as PostgreSQL's
// snapshot: the calling thread's reads inside it see the store as it was at its first
// read (each account's events up to then, the snapshots among them, the commands
// stored then), whatever other threads append meanwhile.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>

#include "persistence/event_store.hpp"
#include "persistence/outbox.hpp"

namespace chronicle::persistence {

class memory_event_store final : public event_store, public outbox_store {
 public:
  result<std::vector<domain::event>, store_error> read(const std::string& account_id,
                                                       std::int64_t from_version,
                                                       std::size_t limit) override;
  result<std::vector<command_record>, store_error> find_commands(
      const std::vector<std::string>& keys) override;
  result<done, store_error> append(const append_batch& batch) override;
  result<done, store_error> revoke_hold(const std::string& account_id,
                                        const std::string& token) override;
  result<domain::micros, store_error> newest_event_time() override;
  result<std::vector<domain::event>, store_error> scan(const std::string& after_account_id,
                                                       std::int64_t after_version,
                                                       std::size_t limit) override;
  result<std::vector<domain::event>, store_error> read_at_one_instant(
      const std::vector<account_cursor>& cursors, std::size_t limit) override;
  result<std::optional<domain::state_snapshot>, store_error> latest_snapshot(
      const std::string& account_id, std::int64_t at_most_version) override;
  result<std::vector<domain::state_snapshot>, store_error> read_snapshots(
      const std::string& account_id, std::int64_t from_version, std::size_t limit) override;
  result<std::int64_t, store_error> version_at(const std::string& account_id,
                                               std::optional<domain::micros> at) override;
  result<std::vector<account_head>, store_error> heads(const std::string& after_account_id,
                                                       std::size_t limit) override;
  result<done, store_error> in_one_snapshot(const snapshot_reads& reads) override;

  // Runs before every read, on the reading thread and without the store's lock, so that a
  // test can append between two reads (e.g. inside in_one_snapshot). Set it before the
  // store is shared.
  void set_read_hook(std::function<void()> hook) { read_hook_ = std::move(hook); }

  // Replaces a stored snapshot (or adds one), as only a database owner could: for tests of
  // what loading and verify make of a snapshot that disagrees with the events.
  void overwrite_snapshot(const domain::state_snapshot& snapshot);

  // One relay per twin: its claims hold nothing against a second one (the pg store's do).
  result<std::vector<domain::event>, store_error> claim(std::size_t limit) override;
  result<done, store_error> remove(const std::vector<std::string>& event_ids) override;
  void release() override;

  // Rows still in the outbox.
  std::size_t outbox_size() const;
  // The next `count` remove() calls fail (unavailable) and delete nothing, as
  // when the relay crashes between the bus's acknowledgement and the delete.
  void fail_next_removes(std::size_t count);

  // Hold tokens revoked so far (revoke_hold).
  std::size_t revocations() const;

  void set_available(bool available);
  std::size_t append_calls() const;

  // While held, append() waits (without holding the store) until released,
  // so a test can pile commands up behind an append in flight.
  void hold_appends();
  void release_appends();
  // Waits until `count` appends are waiting on the hold; false after `timeout`.
  bool await_held(std::size_t count, std::chrono::milliseconds timeout);
  // While held, read() waits after it has read (without holding the store) until released,
  // so that a test can write behind a load that has already read what it will return.
  void hold_reads();
  void release_reads();
  // Waits until `count` reads are waiting on that hold; false after `timeout`.
  bool await_reads_held(std::size_t count, std::chrono::milliseconds timeout);

 private:
  // What one snapshot sees: how many of each account's events (versions 1..n), and which
  // command keys, existed at its first read.
  struct frozen_view {
    bool taken = false;
    std::map<std::string, std::size_t> events;
    std::set<std::string> commands;
  };

  // Calls the read hook, then takes the snapshot of the calling thread's in_one_snapshot
  // when it has none yet. Called before the lock is taken.
  void before_read();
  // How many of `account_id`'s stored events the calling thread may see (all of them
  // outside in_one_snapshot). Called with the lock held.
  std::size_t visible(const std::string& account_id) const;
  // Waits, releasing the lock, while `held`; `waiting` counts the waiters for await_*().
  void wait_while_held(std::unique_lock<std::mutex>& lock, const bool& held, std::size_t& waiting);

  // Each thread's open snapshots, by store.
  static thread_local std::map<const memory_event_store*, frozen_view> views_;

  std::function<void()> read_hook_;
  mutable std::mutex mutex_;
  std::condition_variable hold_changed_;
  bool held_ = false;
  std::size_t waiting_ = 0;
  bool reads_held_ = false;
  std::size_t reads_waiting_ = 0;
  bool available_ = true;
  std::size_t append_calls_ = 0;
  std::map<std::string, std::vector<domain::event>> events_;
  std::map<std::string, command_record> commands_;
  std::set<std::pair<std::string, std::string>> revoked_;  // (account_id, hold token)
  // Keyed by (account_id, version), like the table's primary key.
  std::map<std::pair<std::string, std::int64_t>, domain::state_snapshot> snapshots_;
  // Keyed by (account_id, version), the order claim() answers in.
  std::map<std::pair<std::string, std::int64_t>, domain::event> outbox_;
  std::size_t removes_to_fail_ = 0;
};

}  // namespace chronicle::persistence
