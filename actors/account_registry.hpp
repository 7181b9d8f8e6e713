#pragma once

// The account registry: routes every account message to that account's actor,
// spawning it on first use.
//
// Promises: at most `live_accounts_max` account actors live at once; beyond
// that the least recently used one is told to passivate (it finishes its queue
// first). Each account is bound to one database worker by a hash of its id, so
// its reads and writes stay in order on one connection. Dead actors are noticed
// by monitoring and forgotten. A snapshot query (several accounts at one
// instant) belongs to no account, and time-travel queries (balance at a past
// point, history) read only committed, immutable history, so no account actor
// needs to be woken for them: all of these go to the database workers in turn.

#include <caf/typed_actor.hpp>
#include <list>
#include <unordered_map>

#include "actors/account_actor.hpp"
#include "actors/transfer_actor.hpp"

namespace chronicle::actors {

using account_registry = caf::typed_actor<caf::replies_to<command_request>::with<command_reply>,
                                          caf::replies_to<transfer_request>::with<command_reply>,
                                          caf::replies_to<account_query>::with<account_view>,
                                          caf::replies_to<events_query>::with<events_page>,
                                          caf::replies_to<snapshot_query>::with<snapshot_view>,
                                          caf::replies_to<balance_at_query>::with<balance_at_view>,
                                          caf::replies_to<history_query>::with<history_view>,
                                          caf::replies_to<live_atom>::with<std::uint64_t>>;

// The registry itself: that protocol, plus what the cluster router sends: the notices that
// another node wrote some of its accounts (messages.hpp), each reaching the account's live
// actor, if there is one, before anything the registry receives after it; and counts of the
// live accounts a filter picks.
using local_registry = account_registry::extend<
    caf::reacts_to<stale_notice>, caf::reacts_to<stale_atom, account_filter>,
    caf::replies_to<live_atom, account_filter>::with<std::uint64_t>>;

// What GET /cluster asks: this node's view of the cluster, as JSON (cluster/router.hpp).
using cluster_view = caf::typed_actor<caf::replies_to<cluster_atom>::with<std::string>>;

struct registry_limits {
  std::size_t live_accounts_max = 100'000;
  account_limits account;
  transfer_limits transfer;
  // Not a limit: whom every account actor notifies (account_actor.hpp).
  account_peers peers;
};

struct account_registry_state {
  struct entry {
    account_actor handle;
    std::list<std::string>::iterator recency;
  };
  std::unordered_map<std::string, entry> live;
  std::list<std::string> recency;  // most recently used first
  std::unordered_map<caf::actor_addr, std::string> ids;
  std::size_t next_read_worker = 0;  // snapshot and time-travel queries go round robin

  static inline const char* name = "account_registry";
};

local_registry::behavior_type account_registry_impl(
    local_registry::stateful_pointer<account_registry_state> self, std::vector<db_worker> workers,
    registry_limits limits);

}  // namespace chronicle::actors
