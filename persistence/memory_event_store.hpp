#pragma once

// The in-memory twin of the event store, for actor and unit tests. It keeps the
// same promises as the PostgreSQL store (atomic batches, conflicts on versions
// and keys) and can be switched to "unavailable" to test outage handling.
// It is also the twin of the outbox: every appended event waits in its outbox
// until removed. Thread-safe, so a test can share one instance among several
// workers and a relay.

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>

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

  // Replaces a stored snapshot (or adds one), as only a database owner could: for tests of
  // what loading and verify make of a snapshot that disagrees with the events.
  void overwrite_snapshot(const domain::state_snapshot& snapshot);

  result<std::vector<domain::event>, store_error> pending(std::size_t limit) override;
  result<done, store_error> remove(const std::vector<std::string>& event_ids) override;

  // Rows still in the outbox.
  std::size_t outbox_size() const;
  // The next `count` remove() calls fail (unavailable) and delete nothing, as
  // when the relay crashes between the bus's acknowledgement and the delete.
  void fail_next_removes(std::size_t count);

  void set_available(bool available);
  std::size_t append_calls() const;

  // While held, append() waits (without holding the store) until released,
  // so a test can pile commands up behind an append in flight.
  void hold_appends();
  void release_appends();
  // Waits until `count` appends are waiting on the hold; false after `timeout`.
  bool await_held(std::size_t count, std::chrono::milliseconds timeout);

 private:
  mutable std::mutex mutex_;
  std::condition_variable hold_changed_;
  bool held_ = false;
  std::size_t waiting_ = 0;
  bool available_ = true;
  std::size_t append_calls_ = 0;
  std::map<std::string, std::vector<domain::event>> events_;
  std::map<std::string, command_record> commands_;
  // Keyed by (account_id, version), like the table's primary key.
  std::map<std::pair<std::string, std::int64_t>, domain::state_snapshot> snapshots_;
  // Keyed by (account_id, version), the order pending() answers in.
  std::map<std::pair<std::string, std::int64_t>, domain::event> outbox_;
  std::size_t removes_to_fail_ = 0;
};

}  // namespace chronicle::persistence
