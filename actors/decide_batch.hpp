#pragma once

// How an account actor decides a batch of commands: pure, so that it is tested without an
// actor or a store.
//
// Promises: every command gets a reply, in order. Commands are decided one after the other
// against the running state; a command whose Idempotency-Key has a stored record under the
// API key that sent it (or came earlier in the batch) is answered from that record and
// decides nothing. The batch expects the start state's version: stored refusals alike. The batch holds
// what must be committed before any reply is sent: the events, the idempotency records, and
// a snapshot of the state at every version that is a multiple of the snapshot interval
// (domain::snapshot_due), also when a batch crosses one midway.

#include <cstdint>
#include <vector>

#include "actors/messages.hpp"

namespace chronicle::actors {

struct decided_batch {
  persistence::append_batch batch;
  domain::account_state next;  // the state once the batch is committed
  std::vector<command_reply> replies;
};

// `now` is the clock's reading; events are dated no earlier than the state's last event, so
// that an account's events occur in version order even when the clock steps back.
decided_batch decide_batch(const domain::account_state& start,
                           const std::vector<const command_request*>& commands,
                           const std::vector<persistence::command_record>& known,
                           std::int64_t snapshot_every, domain::micros now);

// The instant to date new events of `state` with: `now`, or the state's last event's
// instant when the clock reads earlier than that.
domain::micros event_instant(const domain::account_state& state, domain::micros now);

}  // namespace chronicle::actors
