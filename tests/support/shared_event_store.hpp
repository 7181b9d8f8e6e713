#pragma once

// An event store that forwards to one memory_event_store, so that several
// workers (as several connections would) share the same in-memory history.

#include "persistence/memory_event_store.hpp"

namespace chronicle::testing {

class shared_event_store final : public persistence::event_store {
 public:
  explicit shared_event_store(persistence::memory_event_store& target) : target_{target} {}

  persistence::result<std::vector<domain::event>, persistence::store_error> read(
      const std::string& id, std::int64_t from, std::size_t limit) override {
    return target_.read(id, from, limit);
  }
  persistence::result<std::vector<persistence::command_record>, persistence::store_error>
  find_commands(const std::vector<std::string>& keys) override {
    return target_.find_commands(keys);
  }
  persistence::result<persistence::done, persistence::store_error> append(
      const persistence::append_batch& batch) override {
    return target_.append(batch);
  }
  persistence::result<persistence::done, persistence::store_error> revoke_hold(
      const std::string& account_id, const std::string& token) override {
    return target_.revoke_hold(account_id, token);
  }
  persistence::result<domain::micros, persistence::store_error> newest_event_time() override {
    return target_.newest_event_time();
  }
  persistence::result<std::vector<domain::event>, persistence::store_error> scan(
      const std::string& after_account_id, std::int64_t after_version, std::size_t limit) override {
    return target_.scan(after_account_id, after_version, limit);
  }
  persistence::result<std::vector<domain::event>, persistence::store_error> read_at_one_instant(
      const std::vector<persistence::account_cursor>& cursors, std::size_t limit) override {
    return target_.read_at_one_instant(cursors, limit);
  }
  persistence::result<std::optional<domain::state_snapshot>, persistence::store_error>
  latest_snapshot(const std::string& account_id, std::int64_t at_most_version) override {
    return target_.latest_snapshot(account_id, at_most_version);
  }
  persistence::result<std::vector<domain::state_snapshot>, persistence::store_error> read_snapshots(
      const std::string& account_id, std::int64_t from_version, std::size_t limit) override {
    return target_.read_snapshots(account_id, from_version, limit);
  }
  persistence::result<std::int64_t, persistence::store_error> version_at(
      const std::string& account_id, std::optional<domain::micros> at) override {
    return target_.version_at(account_id, at);
  }
  persistence::result<persistence::done, persistence::store_error> in_one_snapshot(
      const persistence::snapshot_reads& reads) override {
    return target_.in_one_snapshot(reads);
  }
  persistence::result<std::vector<persistence::account_head>, persistence::store_error> heads(
      const std::string& after_account_id, std::size_t limit) override {
    return target_.heads(after_account_id, limit);
  }

 private:
  persistence::memory_event_store& target_;
};

}  // namespace chronicle::testing
