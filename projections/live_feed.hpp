#pragma once

// The live feed: a detached actor (its reads block) that tails the event stream in order
// (messaging::stream_reader) and sends each committed event, with the balance it left, to a
// receiver: the WebSocket hub (http/ws_hub.hpp).
//
// Promises:
// - Batches arrive at the receiver in stream order. Each says which stream sequences it
//   covers, [from, through]: every message in that range was read, and each event in it that
//   the feed had not sent before is in the batch. Consecutive batches continue each other
//   (from = the previous through + 1) unless the feed had to start over (the bus or the
//   event store failed); then `from` says where the coverage starts again.
// - An event is sent once per (account, version) while its account's state is cached: a
//   message the stream holds twice (a re-publish after the duplicate window) is skipped.
// - The balance after each event is folded from the previous one when the feed knows it,
//   else read from the event store (state_at_version), so it is exact.
// - At start the feed reads the last `backfill_events_max` messages of the stream, so that
//   a client reconnecting to a node that just started still resumes without a gap.
// - Memory is bounded: at most `states_cached_max` account states, `batch_events_max` per batch.

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "domain/account.hpp"
#include "messaging/bus.hpp"
#include "persistence/event_store.hpp"

namespace chronicle::projections {

struct live_event {
  std::uint64_t sequence = 0;  // its stream sequence
  domain::event event;
  std::int64_t balance_after = 0;  // minor units of `currency`
  std::string currency;
};

struct live_batch {
  std::uint64_t from = 0;     // first stream sequence this batch covers
  std::uint64_t through = 0;  // last stream sequence it covers
  std::vector<live_event> events;
};

struct live_feed_limits {
  std::size_t batch_events_max = 500;
  int fetch_wait_ms = 250;
  std::uint64_t backfill_events_max = 1000;
  std::size_t states_cached_max = 10'000;
  std::chrono::milliseconds retry_pause{1000};
};

struct live_feed_deps {
  std::shared_ptr<messaging::stream_reader> stream;
  std::function<std::unique_ptr<persistence::event_store>()> make_events;
  caf::actor receiver;  // gets live_batch messages
};

using feed_pull_atom = caf::atom_constant<caf::atom("feedpull")>;

struct live_feed_state {
  std::unique_ptr<messaging::stream_tail> tail;
  std::unique_ptr<persistence::event_store> events;
  std::uint64_t next = 0;  // the next stream sequence to read; 0: not started
  std::unordered_map<std::string, domain::account_state> states;
  bool reported_trouble = false;

  static inline const char* name = "live_feed";
};

caf::behavior live_feed_impl(caf::stateful_actor<live_feed_state>* self, live_feed_deps deps,
                             live_feed_limits limits);

}  // namespace chronicle::projections

// Batches only ever travel inside this process, from the feed to the hub.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::projections::live_batch)
