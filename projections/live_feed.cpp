#include "projections/live_feed.hpp"

#include <caf/all.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "domain/event_codec.hpp"
#include "persistence/time_travel.hpp"

namespace chronicle::projections {
namespace {

using self_ptr = caf::stateful_actor<live_feed_state>*;

void trouble(self_ptr self, const char* what) {
  if (!self->state.reported_trouble) std::fprintf(stderr, "live feed: %s; retrying\n", what);
  self->state.reported_trouble = true;
}

// Where to start: the last backfill_events_max messages of the stream.
bool start(self_ptr self, const live_feed_deps& deps, const live_feed_limits& limits) {
  auto& st = self->state;
  if (st.next == 0) {
    const auto last = deps.stream->last_sequence();
    if (!last) return false;
    st.next = *last >= limits.backfill_events_max ? *last - limits.backfill_events_max + 1 : 1;
  }
  auto tail = deps.stream->tail(st.next);
  if (!tail) return false;
  st.tail = std::move(*tail);
  return true;
}

enum class enriched { sent, skipped, store_failed };

// Adds the event with the balance it left to `out`, unless it was sent already.
enriched enrich(self_ptr self, std::uint64_t sequence, domain::event e,
                const live_feed_limits& limits, std::vector<live_event>& out) {
  auto& states = self->state.states;
  auto known = states.find(e.account_id);
  if (known != states.end() && known->second.version >= e.version) return enriched::skipped;
  domain::account_state after;
  if (known != states.end() && known->second.version == e.version - 1) {
    after = domain::evolve(known->second, e);
  } else {
    auto past = persistence::state_at_version(*self->state.events, e.account_id, e.version);
    if (!past) return enriched::store_failed;
    after = past->state;
  }
  if (states.size() >= limits.states_cached_max && known == states.end()) states.clear();
  states[e.account_id] = after;
  out.push_back(live_event{sequence, std::move(e), after.balance, after.currency});
  return enriched::sent;
}

// One read-enrich-send round; false when the caller should pause.
bool pull_once(self_ptr self, const live_feed_deps& deps, const live_feed_limits& limits) {
  auto& st = self->state;
  if (!st.tail && !start(self, deps, limits)) {
    trouble(self, "the event stream is unavailable");
    return false;
  }
  auto read = st.tail->fetch(limits.batch_events_max, limits.fetch_wait_ms);
  if (!read) {
    trouble(self, "reading the event stream failed");
    st.tail.reset();
    return false;
  }
  if (read->empty()) return true;
  live_batch batch{st.next, st.next, {}};
  for (auto& message : *read) {
    auto decoded = domain::event_from_json(nlohmann::json::parse(message.payload, nullptr, false));
    if (!decoded) {
      std::fprintf(stderr, "live feed: stream message %llu is no event, skipped: %s\n",
                   static_cast<unsigned long long>(message.stream_sequence),
                   decoded.error().c_str());
    } else if (enrich(self, message.stream_sequence, std::move(*decoded), limits, batch.events) ==
               enriched::store_failed) {
      // Read again from this message once the event store answers.
      st.tail.reset();
      break;
    }
    batch.through = message.stream_sequence;
    st.next = message.stream_sequence + 1;
  }
  if (st.next > batch.from) self->send(deps.receiver, std::move(batch));
  if (!st.tail) {
    trouble(self, "the event store is unavailable");
    return false;
  }
  if (st.reported_trouble) std::fprintf(stderr, "live feed: running again\n");
  st.reported_trouble = false;
  return true;
}

}  // namespace

caf::behavior live_feed_impl(caf::stateful_actor<live_feed_state>* self, live_feed_deps deps,
                             live_feed_limits limits) {
  self->state.events = deps.make_events();
  self->send(self, feed_pull_atom::value);
  return {
      [=](feed_pull_atom) {
        if (pull_once(self, deps, limits)) {
          self->send(self, feed_pull_atom::value);
        } else {
          self->delayed_send(self, limits.retry_pause, feed_pull_atom::value);
        }
      },
  };
}

}  // namespace chronicle::projections
