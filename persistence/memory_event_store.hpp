#pragma once

// The in-memory twin of the event store, for actor and unit tests. It keeps the
// same promises as the PostgreSQL store (atomic batches, conflicts on versions
// and keys) and can be switched to "unavailable" to test outage handling.
// Thread-safe, so a test can share one instance among several workers.

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>

#include "persistence/event_store.hpp"

namespace chronicle::persistence {

class memory_event_store final : public event_store {
 public:
  result<std::vector<domain::event>, store_error> read(const std::string& account_id,
                                                       std::int64_t from_version,
                                                       std::size_t limit) override;
  result<std::vector<command_record>, store_error> find_commands(
      const std::vector<std::string>& keys) override;
  result<done, store_error> append(const append_batch& batch) override;
  result<done, store_error> ping() override;

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
};

}  // namespace chronicle::persistence
