#include "persistence/memory_read_models.hpp"

#include <algorithm>

namespace chronicle::persistence {

result<std::map<std::string, std::int64_t>, store_error> memory_read_models::checkpoints(
    const std::vector<std::string>& account_ids) {
  std::lock_guard<std::mutex> lock{mutex_};
  if (!available_) return failure(store_error::unavailable);
  std::map<std::string, std::int64_t> out;
  for (const auto& id : account_ids) {
    std::int64_t lowest = INT64_MAX;
    for (const auto p : all_projections) {
      const auto it = state_.checkpoints.find({p, id});
      lowest = std::min(lowest, it == state_.checkpoints.end() ? 0 : it->second);
    }
    out[id] = lowest;
  }
  return out;
}

result<std::size_t, store_error> memory_read_models::apply(
    const std::vector<domain::event>& events) {
  std::lock_guard<std::mutex> lock{mutex_};
  ++apply_calls_;
  if (!available_) return failure(store_error::unavailable);
  auto rows = project_rows(events, state_, {all_projections.begin(), all_projections.end()});
  if (!rows) return failure(store_error::failed);
  for (const auto& s : rows->balances) state_.balances[s.account_id] = s;
  for (const auto& r : rows->transactions) {
    state_.last_balance_after[r.account_id] = r.balance_after;
    transactions_[{r.account_id, r.version}] = r;
  }
  timeline_.insert(timeline_.end(), rows->timeline.begin(), rows->timeline.end());
  transfers_.insert(transfers_.end(), rows->transfers.begin(), rows->transfers.end());
  for (const auto& [key, version] : rows->checkpoints) state_.checkpoints[key] = version;
  std::size_t applied = 0;
  for (const auto& [which, count] : rows->applied) {
    auto& p = progress_[which];
    p.which = which;
    p.events_applied += static_cast<std::int64_t>(count);
    p.last_event_at = std::max(p.last_event_at, rows->newest.at(which));
    applied = std::max(applied, count);
  }
  return applied;
}

result<std::optional<domain::account_state>, store_error> memory_read_models::account(
    const std::string& account_id) {
  std::lock_guard<std::mutex> lock{mutex_};
  if (!available_) return failure(store_error::unavailable);
  const auto it = state_.balances.find(account_id);
  if (it == state_.balances.end()) return std::optional<domain::account_state>{};
  return std::optional<domain::account_state>{it->second};
}

result<std::vector<domain::account_state>, store_error> memory_read_models::accounts(
    const account_filter& filter) {
  std::lock_guard<std::mutex> lock{mutex_};
  if (!available_) return failure(store_error::unavailable);
  std::vector<domain::account_state> out;
  for (auto it = state_.balances.upper_bound(filter.after_account_id);
       it != state_.balances.end() && out.size() < std::min(filter.limit, read_model_page_max);
       ++it) {
    if (!filter.owner_name.empty() && it->second.owner_name != filter.owner_name) continue;
    if (!filter.status.empty() && filter.status != domain::status_name(it->second.status)) continue;
    out.push_back(it->second);
  }
  return out;
}

result<std::vector<transaction_row>, store_error> memory_read_models::transactions(
    const std::string& account_id, std::int64_t before_version, std::size_t limit) {
  std::lock_guard<std::mutex> lock{mutex_};
  if (!available_) return failure(store_error::unavailable);
  std::vector<transaction_row> out;
  for (auto it = transactions_.rbegin(); it != transactions_.rend(); ++it) {
    if (out.size() >= std::min(limit, read_model_page_max)) break;
    if (it->first.first != account_id) continue;
    if (before_version != 0 && it->first.second >= before_version) continue;
    out.push_back(it->second);
  }
  return out;
}

result<std::vector<timeline_row>, store_error> memory_read_models::timeline(
    const timeline_query& q) {
  std::lock_guard<std::mutex> lock{mutex_};
  if (!available_) return failure(store_error::unavailable);
  auto rows = timeline_;
  const auto key = [](const timeline_row& r) { return std::tie(r.occurred_at, r.event_id); };
  std::sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) {
    return q.newest_first ? key(b) < key(a) : key(a) < key(b);
  });
  std::vector<timeline_row> out;
  for (const auto& r : rows) {
    if (out.size() >= std::min(q.limit, read_model_page_max)) break;
    if (q.after) {
      const auto cursor = std::tie(q.after->occurred_at, q.after->event_id);
      if (q.newest_first ? !(key(r) < cursor) : !(cursor < key(r))) continue;
    }
    out.push_back(r);
  }
  return out;
}

result<std::vector<projection_progress>, store_error> memory_read_models::progress() {
  std::lock_guard<std::mutex> lock{mutex_};
  if (!available_) return failure(store_error::unavailable);
  std::vector<projection_progress> out;
  for (const auto& [which, p] : progress_) out.push_back(p);
  return out;
}

result<account_rows, store_error> memory_read_models::rows_of(const std::string& account_id) {
  std::lock_guard<std::mutex> lock{mutex_};
  if (!available_) return failure(store_error::unavailable);
  account_rows out;
  if (const auto it = state_.balances.find(account_id); it != state_.balances.end()) {
    out.balance = it->second;
  }
  for (const auto& [key, row] : transactions_) {
    if (key.first == account_id) out.transactions.push_back(row);
  }
  for (const auto& row : timeline_) {
    if (row.account_id == account_id) out.timeline.push_back(row);
  }
  for (const auto& row : transfers_) {
    if (row.from_account_id == account_id) out.transfers_out.push_back(row);
  }
  std::sort(out.timeline.begin(), out.timeline.end(),
            [](const auto& a, const auto& b) { return a.version < b.version; });
  for (const auto p : all_projections) {
    if (const auto it = state_.checkpoints.find({p, account_id}); it != state_.checkpoints.end()) {
      out.checkpoints[p] = it->second;
    }
  }
  return out;
}

void memory_read_models::set_available(bool available) {
  std::lock_guard<std::mutex> lock{mutex_};
  available_ = available;
}

std::size_t memory_read_models::apply_calls() const {
  std::lock_guard<std::mutex> lock{mutex_};
  return apply_calls_;
}

}  // namespace chronicle::persistence
