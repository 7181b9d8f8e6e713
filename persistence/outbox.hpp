#pragma once

// The outbox: events committed but not yet published to the bus.
//
// The event store writes one outbox row per event in the append transaction,
// so an event is in the outbox exactly when it is committed and its publish has
// not been acknowledged. The relay (messaging/outbox_relay.hpp) reads pending
// events, publishes them and removes the rows of those the bus acknowledged.
//
// Promises:
// - pending() answers whole events (the outbox row joined with its event), in
//   (account_id, version) order, at most `limit` of them (clamped to
//   outbox_batch_max). It only reads; calling it twice answers the same rows
//   until they are removed.
// - remove() deletes the rows of the given event ids in one statement; ids
//   without a row (already removed) are ignored, so it is safe to repeat.
// - No exception escapes: driver errors become store_error values.
// - Not thread-safe: one owner (the relay) at a time.

#include <cstddef>
#include <string>
#include <vector>

#include "persistence/event_store.hpp"

namespace chronicle::persistence {

// The most events pending() answers, and remove() accepts, per call.
constexpr std::size_t outbox_batch_max = 1000;

class outbox_store {
 public:
  virtual ~outbox_store() = default;

  virtual result<std::vector<domain::event>, store_error> pending(std::size_t limit) = 0;
  virtual result<done, store_error> remove(const std::vector<std::string>& event_ids) = 0;
};

}  // namespace chronicle::persistence
