#pragma once

// The outbox relay's one step, as pure logic over two interfaces: claim a
// bounded batch of pending events, publish them, delete the rows of those the
// stream acknowledged, and end the claim.
//
// Promises:
// - Each event is published as domain::event_to_json(e).dump() on the bus's
//   stream().subject_for(e.account_id), with Nats-Msg-Id = e.event_id, in the order the
//   outbox answers: (account_id, version).
// - A row is deleted only after its publish was acknowledged. When the bus
//   fails, every row stays. When the delete fails after the acknowledgement,
//   the rows stay and are published again later: the stream drops the repeat
//   (same Nats-Msg-Id within its duplicate window), so nobody sees it twice.
// - At-least-once into the stream, exactly-once as stored while the relay
//   catches up within the duplicate window.
// - Several relays on one outbox (one per node) publish disjoint batches: a row
//   is published by the relay whose claim holds it (persistence/outbox.hpp), and
//   every return ends the claim, so rows it did not remove go back to everyone.

#include <cstddef>
#include <string_view>

#include "domain/result.hpp"
#include "messaging/bus.hpp"
#include "persistence/outbox.hpp"

namespace chronicle::messaging {

enum class relay_error {
  store_unavailable,  // the outbox could not be read or cleaned: retry later
  store_failed,       // the outbox answered an error (e.g. a corrupt row)
  bus_unavailable,    // nothing was acknowledged: no server or no stream leader
  bus_failed,
};

std::string_view describe(relay_error error);

struct relay_count {
  std::size_t pending = 0;  // events claimed from the outbox (at most batch_max)
  std::size_t relayed = 0;  // of those, acknowledged by the stream and deleted
};

domain::result<relay_count, relay_error> relay_once(persistence::outbox_store& outbox,
                                                    publisher& bus, std::size_t batch_max,
                                                    int publish_timeout_ms);

// The message one event becomes on `stream`.
outgoing_message message_for(const stream_names& stream, const domain::event& e);

}  // namespace chronicle::messaging
