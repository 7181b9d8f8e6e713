#include "persistence/event_store.hpp"

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

}  // namespace chronicle::persistence
