#include "persistence/memory_event_store.hpp"

#include <algorithm>
#include <iterator>
#include <limits>
#include <set>

namespace chronicle::persistence {

thread_local std::map<const memory_event_store*, memory_event_store::frozen_view>
    memory_event_store::views_;

namespace {

// Ends the calling thread's snapshot of one store, however in_one_snapshot leaves.
template <class Views, class Key>
struct view_scope {
  Views& views;
  Key key;
  ~view_scope() { views.erase(key); }
};

}  // namespace

result<done, store_error> memory_event_store::in_one_snapshot(const snapshot_reads& reads) {
  if (views_.count(this) != 0) return reads();
  views_.emplace(this, frozen_view{});
  const view_scope<decltype(views_), const memory_event_store*> scope{views_, this};
  return reads();
}

void memory_event_store::before_read() {
  if (read_hook_) read_hook_();
  const auto view = views_.find(this);
  if (view == views_.end() || view->second.taken) return;
  std::lock_guard<std::mutex> lock{mutex_};
  auto& v = view->second;
  v.taken = true;
  for (const auto& [id, history] : events_) v.events[id] = history.size();
  for (const auto& [key, record] : commands_) v.commands.insert(key);
}

std::size_t memory_event_store::visible(const std::string& account_id) const {
  const auto it = events_.find(account_id);
  const std::size_t stored = it == events_.end() ? 0 : it->second.size();
  const auto view = views_.find(this);
  if (view == views_.end()) return stored;
  const auto seen = view->second.events.find(account_id);
  return seen == view->second.events.end() ? 0 : std::min(stored, seen->second);
}

result<std::vector<domain::event>, store_error> memory_event_store::read(
    const std::string& account_id, std::int64_t from_version, std::size_t limit) {
  before_read();
  std::unique_lock<std::mutex> lock{mutex_};
  if (!available_) return failure(store_error::unavailable);
  std::vector<domain::event> out;
  if (const auto it = events_.find(account_id); it != events_.end()) {
    limit = std::min(limit, read_events_max);
    const auto count = visible(account_id);
    for (std::size_t i = 0; i < count && out.size() < limit; ++i) {
      if (it->second[i].version >= from_version) out.push_back(it->second[i]);
    }
  }
  wait_while_held(lock, reads_held_, reads_waiting_);
  return out;
}

result<std::vector<command_record>, store_error> memory_event_store::find_commands(
    const std::vector<std::string>& keys) {
  before_read();
  std::lock_guard<std::mutex> lock{mutex_};
  if (!available_) return failure(store_error::unavailable);
  const auto view = views_.find(this);
  std::vector<command_record> out;
  for (const auto& key : keys) {
    const auto it = commands_.find(key);
    if (it == commands_.end()) continue;
    if (view != views_.end() && view->second.commands.count(key) == 0) continue;
    out.push_back(it->second);
  }
  return out;
}

result<done, store_error> memory_event_store::append(const append_batch& batch) {
  std::unique_lock<std::mutex> lock{mutex_};
  ++append_calls_;
  wait_while_held(lock, held_, waiting_);
  if (!available_) return failure(store_error::unavailable);
  for (const auto& [account_id, expected] : batch.expected_versions) {
    const auto it = events_.find(account_id);
    const auto head = it == events_.end() ? 0 : static_cast<std::int64_t>(it->second.size());
    if (head != expected) return failure(store_error::conflict);
  }
  for (const auto& [account_id, token] : batch.hold_tokens) {
    if (revoked_.count({account_id, token}) != 0) return failure(store_error::conflict);
  }
  for (const auto& record : batch.commands) {
    if (commands_.count(record.idempotency_key) != 0) return failure(store_error::conflict);
  }
  for (const auto& snap : batch.snapshots) {
    if (snapshots_.count({snap.account_id, snap.version}) != 0) {
      return failure(store_error::conflict);
    }
  }
  for (const auto& snap : batch.snapshots)
    snapshots_.emplace(std::pair{snap.account_id, snap.version}, snap);
  for (const auto& e : batch.events) {
    events_[e.account_id].push_back(e);
    outbox_.emplace(std::make_pair(e.account_id, e.version), e);
  }
  for (const auto& record : batch.commands) commands_[record.idempotency_key] = record;
  return done{};
}

result<done, store_error> memory_event_store::revoke_hold(const std::string& account_id,
                                                          const std::string& token) {
  std::lock_guard<std::mutex> lock{mutex_};
  if (!available_) return failure(store_error::unavailable);
  if (token.empty()) return failure(store_error::failed);
  revoked_.emplace(account_id, token);
  return done{};
}

result<std::vector<domain::event>, store_error> memory_event_store::claim(std::size_t limit) {
  std::lock_guard<std::mutex> lock{mutex_};
  if (!available_) return failure(store_error::unavailable);
  limit = std::min(limit, outbox_batch_max);
  std::vector<domain::event> out;
  for (auto it = outbox_.begin(); it != outbox_.end() && out.size() < limit; ++it) {
    out.push_back(it->second);
  }
  return out;
}

void memory_event_store::release() {}

result<done, store_error> memory_event_store::remove(const std::vector<std::string>& event_ids) {
  std::lock_guard<std::mutex> lock{mutex_};
  if (!available_) return failure(store_error::unavailable);
  if (event_ids.size() > outbox_batch_max) return failure(store_error::failed);
  if (removes_to_fail_ > 0) {
    --removes_to_fail_;
    return failure(store_error::unavailable);
  }
  const std::set<std::string> doomed{event_ids.begin(), event_ids.end()};
  for (auto it = outbox_.begin(); it != outbox_.end();) {
    it = doomed.count(it->second.event_id) != 0 ? outbox_.erase(it) : std::next(it);
  }
  return done{};
}

std::size_t memory_event_store::outbox_size() const {
  std::lock_guard<std::mutex> lock{mutex_};
  return outbox_.size();
}

void memory_event_store::fail_next_removes(std::size_t count) {
  std::lock_guard<std::mutex> lock{mutex_};
  removes_to_fail_ = count;
}

result<domain::micros, store_error> memory_event_store::newest_event_time() {
  before_read();
  std::lock_guard<std::mutex> lock{mutex_};
  if (!available_) return failure(store_error::unavailable);
  domain::micros newest = 0;
  for (const auto& [id, history] : events_) {
    const auto count = visible(id);
    for (std::size_t i = 0; i < count; ++i) newest = std::max(newest, history[i].occurred_at);
  }
  return newest;
}

result<std::vector<domain::event>, store_error> memory_event_store::scan(
    const std::string& after_account_id, std::int64_t after_version, std::size_t limit) {
  before_read();
  std::lock_guard<std::mutex> lock{mutex_};
  if (!available_) return failure(store_error::unavailable);
  std::vector<domain::event> out;
  limit = std::min(limit, read_events_max);
  for (auto it = events_.lower_bound(after_account_id); it != events_.end(); ++it) {
    const auto count = visible(it->first);
    for (std::size_t i = 0; i < count; ++i) {
      const auto& e = it->second[i];
      if (out.size() >= limit) return out;
      if (it->first == after_account_id && e.version <= after_version) continue;
      out.push_back(e);
    }
  }
  return out;
}

result<std::vector<domain::event>, store_error> memory_event_store::read_at_one_instant(
    const std::vector<account_cursor>& cursors, std::size_t limit) {
  before_read();
  // One lock is one instant: no append can land between two accounts' reads.
  std::lock_guard<std::mutex> lock{mutex_};
  if (!available_) return failure(store_error::unavailable);
  if (cursors.size() > snapshot_accounts_max) return failure(store_error::failed);
  std::map<std::string, std::int64_t> after;
  for (const auto& c : cursors) after.emplace(c.account_id, c.after_version);
  std::vector<domain::event> out;
  limit = std::min(limit, read_events_max);
  for (const auto& [id, after_version] : after) {
    const auto it = events_.find(id);
    if (it == events_.end()) continue;
    const auto count = visible(id);
    for (std::size_t i = 0; i < count; ++i) {
      if (out.size() >= limit) return out;
      if (it->second[i].version > after_version) out.push_back(it->second[i]);
    }
  }
  return out;
}

result<std::optional<domain::state_snapshot>, store_error> memory_event_store::latest_snapshot(
    const std::string& account_id, std::int64_t at_most_version) {
  before_read();
  std::lock_guard<std::mutex> lock{mutex_};
  if (!available_) return failure(store_error::unavailable);
  // In a snapshot, a snapshot row is seen with the event of its version (they are stored
  // together); outside one, every row is, also one a test stored without its event.
  if (views_.count(this) != 0) {
    at_most_version = std::min(at_most_version, static_cast<std::int64_t>(visible(account_id)));
  }
  // The first entry past (account_id, at_most_version); the one before it is the answer
  // when it belongs to the same account.
  auto it = snapshots_.upper_bound({account_id, at_most_version});
  if (it == snapshots_.begin()) return std::optional<domain::state_snapshot>{};
  --it;
  if (it->first.first != account_id) return std::optional<domain::state_snapshot>{};
  return std::optional<domain::state_snapshot>{it->second};
}

result<std::vector<domain::state_snapshot>, store_error> memory_event_store::read_snapshots(
    const std::string& account_id, std::int64_t from_version, std::size_t limit) {
  before_read();
  std::lock_guard<std::mutex> lock{mutex_};
  if (!available_) return failure(store_error::unavailable);
  limit = std::min(limit, read_events_max);
  const auto seen = views_.count(this) != 0 ? static_cast<std::int64_t>(visible(account_id))
                                            : std::numeric_limits<std::int64_t>::max();
  std::vector<domain::state_snapshot> out;
  for (auto it = snapshots_.lower_bound({account_id, from_version});
       it != snapshots_.end() && it->first.first == account_id && it->first.second <= seen &&
       out.size() < limit;
       ++it) {
    out.push_back(it->second);
  }
  return out;
}

result<std::int64_t, store_error> memory_event_store::version_at(const std::string& account_id,
                                                                 std::optional<domain::micros> at) {
  before_read();
  std::lock_guard<std::mutex> lock{mutex_};
  if (!available_) return failure(store_error::unavailable);
  const auto it = events_.find(account_id);
  if (it == events_.end()) return std::int64_t{0};
  // The same order as the SQL: the latest instant at or before `at`, then the highest version.
  const domain::event* best = nullptr;
  const auto count = visible(account_id);
  for (std::size_t i = 0; i < count; ++i) {
    const auto& e = it->second[i];
    if (at && e.occurred_at > *at) continue;
    if (best == nullptr || e.occurred_at >= best->occurred_at) best = &e;
  }
  return best == nullptr ? std::int64_t{0} : best->version;
}

result<std::vector<account_head>, store_error> memory_event_store::heads(
    const std::string& after_account_id, std::size_t limit) {
  std::lock_guard<std::mutex> lock{mutex_};
  if (!available_) return failure(store_error::unavailable);
  std::vector<account_head> out;
  limit = std::min(limit, heads_accounts_max);
  for (auto it = events_.upper_bound(after_account_id); it != events_.end() && out.size() < limit;
       ++it) {
    if (it->second.empty()) continue;
    const auto& last = it->second.back();
    out.push_back(account_head{it->first, last.version, last.occurred_at});
  }
  return out;
}

void memory_event_store::overwrite_snapshot(const domain::state_snapshot& snapshot) {
  std::lock_guard<std::mutex> lock{mutex_};
  snapshots_[{snapshot.account_id, snapshot.version}] = snapshot;
}

std::size_t memory_event_store::revocations() const {
  std::lock_guard<std::mutex> lock{mutex_};
  return revoked_.size();
}

void memory_event_store::set_available(bool available) {
  std::lock_guard<std::mutex> lock{mutex_};
  available_ = available;
}

void memory_event_store::hold_appends() {
  std::lock_guard<std::mutex> lock{mutex_};
  held_ = true;
}

void memory_event_store::release_appends() {
  std::lock_guard<std::mutex> lock{mutex_};
  held_ = false;
  hold_changed_.notify_all();
}

bool memory_event_store::await_held(std::size_t count, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock{mutex_};
  return hold_changed_.wait_for(lock, timeout, [&] { return waiting_ >= count; });
}

void memory_event_store::hold_reads() {
  std::lock_guard<std::mutex> lock{mutex_};
  reads_held_ = true;
}

void memory_event_store::release_reads() {
  std::lock_guard<std::mutex> lock{mutex_};
  reads_held_ = false;
  hold_changed_.notify_all();
}

bool memory_event_store::await_reads_held(std::size_t count, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock{mutex_};
  return hold_changed_.wait_for(lock, timeout, [&] { return reads_waiting_ >= count; });
}

void memory_event_store::wait_while_held(std::unique_lock<std::mutex>& lock, const bool& held,
                                         std::size_t& waiting) {
  if (!held) return;
  ++waiting;
  hold_changed_.notify_all();
  hold_changed_.wait(lock, [&held] { return !held; });
  --waiting;
}

std::size_t memory_event_store::append_calls() const {
  std::lock_guard<std::mutex> lock{mutex_};
  return append_calls_;
}

}  // namespace chronicle::persistence
