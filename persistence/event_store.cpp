#include "persistence/event_store.hpp"

#include <algorithm>
#include <cstdio>

#include "domain/event_codec.hpp"

namespace chronicle::persistence {

std::string_view describe(store_error error) {
  switch (error) {
    case store_error::unavailable: return "the event store is unavailable";
    case store_error::conflict:
      return "a concurrent write took the same version or idempotency key";
    case store_error::corrupt: return "stored events failed their integrity check";
    case store_error::failed: return "the event store failed";
  }
  return "unknown store error";
}

result<domain::account_state, store_error> load_state(event_store& store,
                                                      const std::string& account_id) {
  domain::account_state state;
  state.account_id = account_id;
  for (;;) {
    auto page = store.read(account_id, state.version + 1, read_events_max);
    if (!page) return failure(page.error());
    for (const auto& e : *page) {
      if (const auto violation = domain::check_link(state, e)) {
        std::fprintf(stderr, "event store: account %s version %lld: %s\n", account_id.c_str(),
                     static_cast<long long>(e.version), violation->problem.c_str());
        return failure(store_error::corrupt);
      }
      state = domain::evolve(std::move(state), e);
    }
    if (page->size() < read_events_max) return state;
  }
}

namespace {

// Each cut-short answer still advances the cache by read_events_max events, so
// this bounds a first read of cold accounts to about a million events.
constexpr int one_instant_attempts_max = 1000;

// Folds one page of read_at_one_instant into the cache. The page's events of
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
  for (int attempt = 0; attempt < one_instant_attempts_max; ++attempt) {
    std::vector<account_cursor> cursors;
    for (const auto& id : ids) {
      const auto it = cache.states.find(id);
      cursors.push_back({id, it == cache.states.end() ? 0 : it->second.version});
    }
    const auto page = store.read_at_one_instant(cursors, read_events_max);
    if (!page) return failure(page.error());
    if (auto folded = fold_into(cache, *page); !folded) return failure(folded.error());
    if (page->size() < read_events_max) {
      // Complete: every state is its cached prefix plus the events up to one instant.
      std::vector<domain::account_state> out;
      for (const auto& id : ids) {
        const auto it = cache.states.find(id);
        out.push_back(it != cache.states.end() ? it->second : domain::account_state{});
        out.back().account_id = id;
      }
      return out;
    }
  }
  return failure(store_error::unavailable);
}

}  // namespace chronicle::persistence
