#include "persistence/event_store.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <unordered_map>

#include "domain/event_codec.hpp"

namespace chronicle::persistence {

std::string_view describe(store_error error) {
  switch (error) {
    case store_error::unavailable: return "the event store is unavailable";
    case store_error::conflict:
      return "a concurrent write took the same version or idempotency key, or the account "
             "moved on";
    case store_error::corrupt: return "stored events failed their integrity check";
    case store_error::failed: return "the event store failed";
  }
  return "unknown store error";
}

std::string client_command_key(std::string_view api_key_id, std::string_view idempotency_key) {
  std::string out = "key:" + std::to_string(api_key_id.size()) + ":";
  out.append(api_key_id);
  out += ':';
  out.append(idempotency_key);
  return out;
}

std::string transfer_command_key(std::string_view transfer_id) {
  return "transfer-id:" + std::string{transfer_id};
}

result<done, store_error> fold_through(event_store& store, domain::account_state& state,
                                       std::int64_t through, const fold_visitor& each) {
  while (state.version < through) {
    const auto wanted =
        static_cast<std::size_t>(std::min<std::int64_t>(through - state.version, read_events_max));
    auto page = store.read(state.account_id, state.version + 1, wanted);
    if (!page) return failure(page.error());
    for (const auto& e : *page) {
      if (const auto violation = domain::check_link(state, e)) {
        std::fprintf(stderr, "event store: account %s version %lld: %s\n", state.account_id.c_str(),
                     static_cast<long long>(e.version), violation->problem.c_str());
        return failure(store_error::corrupt);
      }
      state = domain::evolve(std::move(state), e);
      if (each) each(e, state);
    }
    if (page->size() < wanted) break;
  }
  return done{};
}

namespace {

// Snapshots tried, newest first, before folding from the first event.
constexpr int snapshot_attempts_max = 3;

// Why a snapshot cannot be a starting point, or nothing when it can: its state decodes and
// agrees with its columns, and the stored event at its version carries its hash and instant
// and a hash that matches the event's contents.
result<std::optional<std::string>, store_error> snapshot_problem(
    event_store& store, const domain::state_snapshot& snapshot) {
  if (const auto state = domain::restore_snapshot(snapshot); !state) return {state.error()};
  const auto page = store.read(snapshot.account_id, snapshot.version, 1);
  if (!page) return failure(page.error());
  if (page->empty() || page->front().version != snapshot.version) {
    return {std::string{"no event at its version"}};
  }
  const auto& e = page->front();
  if (e.hash != snapshot.hash) return {"hash " + snapshot.hash + " is not the event's " + e.hash};
  if (e.occurred_at != snapshot.occurred_at) return {std::string{"instant is not the event's"}};
  if (domain::chain_hash(e.prev_hash, e) != e.hash) {
    return {std::string{"the event at its version fails its hash"}};
  }
  return {std::nullopt};
}

// The newest usable snapshot's state at or below `version`, or a state before any event.
result<domain::account_state, store_error> starting_point(event_store& store,
                                                          const std::string& account_id,
                                                          std::int64_t version) {
  domain::account_state fresh;
  fresh.account_id = account_id;
  for (int attempt = 0; attempt < snapshot_attempts_max && version > 0; ++attempt) {
    const auto snapshot = store.latest_snapshot(account_id, version);
    if (!snapshot) return failure(snapshot.error());
    if (!*snapshot) return fresh;
    const auto problem = snapshot_problem(store, **snapshot);
    if (!problem) return failure(problem.error());
    if (!*problem) return *domain::restore_snapshot(**snapshot);
    std::fprintf(stderr, "event store: account %s: snapshot at version %lld passed over: %s\n",
                 account_id.c_str(), static_cast<long long>((*snapshot)->version),
                 (*problem)->c_str());
    version = (*snapshot)->version - 1;
  }
  return fresh;
}

}  // namespace

result<domain::account_state, store_error> load_state_at(event_store& store,
                                                         const std::string& account_id,
                                                         std::int64_t version) {
  auto state = starting_point(store, account_id, version);
  if (!state) return failure(state.error());
  if (auto folded = fold_through(store, *state, version); !folded) {
    return failure(folded.error());
  }
  return state;
}

result<domain::account_state, store_error> load_state(event_store& store,
                                                      const std::string& account_id) {
  return load_state_at(store, account_id, INT64_MAX);
}

result<done, store_error> read_all_at_one_instant(event_store& store,
                                                  std::vector<account_cursor> cursors,
                                                  const instant_page_visitor& each_page) {
  std::unordered_map<std::string, std::size_t> position;
  for (std::size_t i = 0; i < cursors.size(); ++i) position[cursors[i].account_id] = i;
  for (int page_number = 0; page_number <= one_instant_pages_max; ++page_number) {
    auto page = store.read_at_one_instant(cursors, read_events_max);
    if (!page) return failure(page.error());
    const bool complete = page->size() < read_events_max;
    for (const auto& e : *page) {
      const auto it = position.find(e.account_id);
      if (it == position.end()) return failure(store_error::failed);
      cursors[it->second].after_version = e.version;
    }
    if (auto handled = each_page(*page); !handled) return failure(handled.error());
    if (complete) return done{};
  }
  return failure(store_error::unavailable);
}

namespace {

// Folds one page of read_all_at_one_instant into the cache. The page's events of
// each account follow that account's cached state, so they link to it.
result<done, store_error> fold_into(state_cache& cache, const std::vector<domain::event>& page) {
  for (const auto& e : page) {
    auto [it, fresh] = cache.states.try_emplace(e.account_id);
    if (fresh) it->second.account_id = e.account_id;
    if (const auto violation = domain::check_link(it->second, e)) {
      std::fprintf(stderr, "event store: account %s version %lld: %s\n", e.account_id.c_str(),
                   static_cast<long long>(e.version), violation->problem.c_str());
      cache.states.erase(it);
      return failure(store_error::corrupt);
    }
    it->second = domain::evolve(std::move(it->second), e);
  }
  return done{};
}

}  // namespace

result<std::vector<domain::account_state>, store_error> load_states_at_one_instant(
    event_store& store, const std::vector<std::string>& account_ids, state_cache& cache) {
  std::vector<std::string> ids;
  for (const auto& id : account_ids) {
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  if (ids.size() > snapshot_accounts_max) return failure(store_error::failed);
  if (cache.states.size() + ids.size() > cache.accounts_max) cache.states.clear();
  std::vector<account_cursor> cursors;
  for (const auto& id : ids) {
    const auto it = cache.states.find(id);
    cursors.push_back({id, it == cache.states.end() ? 0 : it->second.version});
  }
  const auto read = read_all_at_one_instant(
      store, std::move(cursors),
      [&cache](std::vector<domain::event>& page) { return fold_into(cache, page); });
  if (!read) return failure(read.error());
  // Complete: every state is its cached prefix plus the events up to one instant.
  std::vector<domain::account_state> out;
  for (const auto& id : ids) {
    const auto it = cache.states.find(id);
    out.push_back(it != cache.states.end() ? it->second : domain::account_state{});
    out.back().account_id = id;
  }
  return out;
}

}  // namespace chronicle::persistence
