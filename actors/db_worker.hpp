#pragma once

// A database worker: owns one event store (one connection) and runs its
// blocking calls on a thread of its own, never on CAF's scheduler threads.
// Spawn it with caf::detached. Requests are served one at a time, in order.
// A load (load_atom, account id, hold token) first revokes the hold token when
// one is given (event_store::revoke_hold), then loads the account's state.

#include <caf/typed_actor.hpp>
#include <functional>
#include <memory>

#include "actors/messages.hpp"

namespace chronicle::actors {

using db_worker =
    caf::typed_actor<caf::replies_to<load_atom, std::string, std::string>::with<load_reply>,
                     caf::replies_to<head_atom, std::string>::with<head_reply>,
                     caf::replies_to<lookup_atom, std::vector<std::string>>::with<lookup_reply>,
                     caf::replies_to<persistence::append_batch>::with<append_reply>,
                     caf::replies_to<events_query>::with<events_page>,
                     caf::replies_to<snapshot_query>::with<snapshot_view>,
                     caf::replies_to<balance_at_query>::with<balance_at_view>,
                     caf::replies_to<history_query>::with<history_view>>;

using store_factory = std::function<std::unique_ptr<persistence::event_store>()>;

struct db_worker_state {
  std::unique_ptr<persistence::event_store> store;
  // States folded by snapshot queries, so that each one reads only new events.
  persistence::state_cache snapshot_cache;
};

db_worker::behavior_type db_worker_impl(db_worker::stateful_pointer<db_worker_state> self,
                                        store_factory make_store);

}  // namespace chronicle::actors
