#include "persistence/time_travel.hpp"

#include <algorithm>
#include <cstdio>

#include "domain/event_codec.hpp"

namespace chronicle::persistence {
namespace {

// The state right after `version`, which the account's history is known to reach.
result<domain::account_state, store_error> state_reaching(event_store& store,
                                                          const std::string& account_id,
                                                          std::int64_t version) {
  auto state = load_state_at(store, account_id, version);
  if (!state) return failure(state.error());
  if (state->version != version) {
    // version_at named this version, and events are never removed: the store lost one.
    std::fprintf(stderr, "event store: account %s: version %lld named but only %lld folded\n",
                 account_id.c_str(), static_cast<long long>(version),
                 static_cast<long long>(state->version));
    return failure(store_error::corrupt);
  }
  return state;
}

result<past_state, store_error> past_at(event_store& store, const std::string& account_id,
                                        std::int64_t latest, std::int64_t version) {
  past_state out;
  out.latest_version = latest;
  out.state.account_id = account_id;
  if (version < 1 || version > latest) return out;
  auto state = state_reaching(store, account_id, version);
  if (!state) return failure(state.error());
  out.state = std::move(*state);
  return out;
}

// Runs `read` in one snapshot of the store (event_store::in_one_snapshot): the head it
// compares against and the past it folds are one instant's, so an event committed meanwhile
// can never make a point the account had reached look past its end.
template <class T, class Read>
result<T, store_error> in_one_snapshot(event_store& store, Read read) {
  std::optional<T> answer;
  const auto ran = store.in_one_snapshot([&]() -> result<done, store_error> {
    auto got = read();
    if (!got) return failure(got.error());
    answer = std::move(*got);
    return done{};
  });
  if (!ran) return failure(ran.error());
  return std::move(*answer);
}

result<past_state, store_error> state_at_version_now(event_store& store,
                                                     const std::string& account_id,
                                                     std::int64_t version) {
  const auto latest = store.version_at(account_id, std::nullopt);
  if (!latest) return failure(latest.error());
  return past_at(store, account_id, *latest, version);
}

result<past_state, store_error> state_at_instant_now(event_store& store,
                                                     const std::string& account_id,
                                                     domain::micros at) {
  const auto latest = store.version_at(account_id, std::nullopt);
  if (!latest) return failure(latest.error());
  const auto version = store.version_at(account_id, at);
  if (!version) return failure(version.error());
  return past_at(store, account_id, *latest, *version);
}

result<history_page, store_error> read_history_now(event_store& store, const history_range& range) {
  const auto& id = range.account_id;
  history_page page;
  const auto latest = store.version_at(id, std::nullopt);
  if (!latest) return failure(latest.error());
  page.latest_version = *latest;
  if (*latest == 0) return page;
  // Events occur in version order, so [from, to] is the version range
  // (last event before `from`, last event at or before `to`].
  std::int64_t first = 1;
  if (range.from) {
    const auto before = store.version_at(id, *range.from - 1);
    if (!before) return failure(before.error());
    first = *before + 1;
  }
  first = std::max(first, range.after_version + 1);
  std::int64_t last = *latest;
  if (range.to) {
    const auto at_to = store.version_at(id, *range.to);
    if (!at_to) return failure(at_to.error());
    last = *at_to;
  }
  const auto limit =
      static_cast<std::int64_t>(std::clamp<std::size_t>(range.limit, 1, history_entries_max));
  const auto through = first > last ? std::int64_t{0} : std::min(last, first - 1 + limit);
  auto state = load_state_at(store, id, std::min(first - 1, *latest));
  if (!state) return failure(state.error());
  const auto folded = fold_through(store, *state, through, [&](const auto& e, const auto& after) {
    page.entries.push_back(history_entry{e.version, after.balance, e.occurred_at,
                                         std::string{domain::event_type_name(e.body)}});
  });
  if (!folded) return failure(folded.error());
  if (state->version == 0) {
    // Nothing folded at all (the range ends before the account's first event): the first
    // event still says which currency the account keeps.
    auto opened = load_state_at(store, id, 1);
    if (!opened) return failure(opened.error());
    state = std::move(opened);
  }
  page.currency = state->currency;
  if (!page.entries.empty() && page.entries.back().version < last) {
    page.next_after = page.entries.back().version;
  }
  return page;
}

}  // namespace

result<past_state, store_error> state_at_version(event_store& store, const std::string& account_id,
                                                 std::int64_t version) {
  return in_one_snapshot<past_state>(
      store, [&] { return state_at_version_now(store, account_id, version); });
}

result<past_state, store_error> state_at_instant(event_store& store, const std::string& account_id,
                                                 domain::micros at) {
  return in_one_snapshot<past_state>(store,
                                     [&] { return state_at_instant_now(store, account_id, at); });
}

result<history_page, store_error> read_history(event_store& store, const history_range& range) {
  return in_one_snapshot<history_page>(store, [&] { return read_history_now(store, range); });
}

}  // namespace chronicle::persistence
