#include "messaging/outbox_relay.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "domain/event_codec.hpp"

namespace chronicle::messaging {
namespace {

relay_error from_store(persistence::store_error error) {
  return error == persistence::store_error::unavailable ? relay_error::store_unavailable
                                                        : relay_error::store_failed;
}

relay_error from_bus(bus_error error) {
  return error == bus_error::unavailable ? relay_error::bus_unavailable : relay_error::bus_failed;
}

}  // namespace

std::string_view describe(relay_error error) {
  switch (error) {
    case relay_error::store_unavailable: return "the event store is unavailable";
    case relay_error::store_failed: return "the outbox could not be read";
    case relay_error::bus_unavailable: return "NATS is unavailable";
    case relay_error::bus_failed: return "publishing to NATS failed";
  }
  return "unknown relay error";
}

outgoing_message message_for(const stream_names& stream, const domain::event& e) {
  return outgoing_message{stream.subject_for(e.account_id), e.event_id,
                          domain::event_to_json(e).dump()};
}

domain::result<relay_count, relay_error> relay_once(persistence::outbox_store& outbox,
                                                    publisher& bus, std::size_t batch_max,
                                                    int publish_timeout_ms) {
  auto pending = outbox.claim(std::min(batch_max, persistence::outbox_batch_max));
  if (!pending) return domain::failure(from_store(pending.error()));
  relay_count count;
  count.pending = pending->size();
  if (pending->empty()) {
    outbox.release();
    return count;
  }

  std::vector<outgoing_message> messages;
  messages.reserve(pending->size());
  for (const auto& e : *pending) messages.push_back(message_for(bus.stream(), e));
  const auto acked = bus.publish(messages, publish_timeout_ms);
  if (!acked) {
    outbox.release();
    return domain::failure(from_bus(acked.error()));
  }

  std::vector<std::string> done_ids;
  for (std::size_t i = 0; i < messages.size() && i < acked->size(); ++i) {
    if ((*acked)[i]) done_ids.push_back(messages[i].msg_id);
  }
  if (done_ids.empty()) {
    outbox.release();
    return count;
  }
  if (auto removed = outbox.remove(done_ids); !removed) {
    return domain::failure(from_store(removed.error()));
  }
  count.relayed = done_ids.size();
  return count;
}

}  // namespace chronicle::messaging
