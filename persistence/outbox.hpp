#pragma once

// The outbox: events committed but not yet published to the bus.
//
// The event store writes one outbox row per event in the append transaction,
// so an event is in the outbox exactly when it is committed and its publish has
// not been acknowledged. The relay (messaging/outbox_relay.hpp) claims pending
// events, publishes them and removes the rows of those the bus acknowledged.
// Several nodes' relays share one outbox: a claim keeps the others off its rows.
//
// Promises:
// - claim() answers whole events (the outbox row joined with its event), in
//   (account_id, version) order, at most `limit` of them (clamped to
//   outbox_batch_max), and holds their rows: no other store's claim answers
//   them until this claim ends, by remove(), release(), the next claim(), or
//   the death of the store's database session. A claim answers an account's
//   events only from its oldest pending one on, without a gap, so another
//   relay never publishes an account's later events before its earlier ones.
// - A claim held longer than `hold_ms` (from the constructor of the pg store)
//   is ended by the database: a relay that hangs cannot keep rows for good.
// - remove() deletes the rows of the given event ids in one statement and ends
//   the claim; ids without a row (already removed) are ignored, so it is safe
//   to repeat. Outside a claim it deletes in a transaction of its own.
// - No exception escapes: driver errors become store_error values.
// - Not thread-safe: one owner (the relay) per store.

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

  virtual result<std::vector<domain::event>, store_error> claim(std::size_t limit) = 0;
  virtual result<done, store_error> remove(const std::vector<std::string>& event_ids) = 0;
  // Ends the claim without deleting anything: its rows are pending for everyone again.
  virtual void release() = 0;
};

}  // namespace chronicle::persistence
