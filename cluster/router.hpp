#pragma once

// The cluster router: what the HTTP bridge talks to instead of the account registry.
// It speaks the registry's protocol; for each account message it picks the account's owner
// among the live members (ownership.hpp) and either hands the message to this node's
// registry or forwards it over CAF remoting to the owner's router, relaying the reply
// unchanged. Reads that belong to no account (snapshots, time travel) stay on this node.
// Each node publishes its router on its cluster port; a router serves what another node
// forwards from its own registry, never forwarding again, so that two nodes that disagree on
// an owner cannot bounce a message between them. Only CAF's built-in types cross the wire
// (wire.hpp), so a remote node can send it nothing but forwarded messages and atoms.
// A transfer goes to the owner of its source account, which coordinates it with both
// accounts' actors in its own registry. The destination's owner keeps a live actor for that
// account too (invariant 10 fences its writes): before the transfer's reply goes out, the
// coordinating router tells that owner's registry (a stale_notice, waited for at most
// `notice_timeout`), so that a strong read sent after the reply sees the transfer; its own
// actor of the destination is marked stale as well.
// When the owners change (membership, suspicion), the router first tells its registry which
// live accounts it did not own before (ownership_moved): another node may have written them.
//
// Promises:
// - Single node (not clustered): every message goes to the registry, as without a router.
// - Every forwarded request is answered within `forward_timeout`, and at once when the
//   owner's connection goes down (CAF's down_msg) or the owner drops out of the membership:
//   CAF itself would let it wait its full timeout. Reads, and messages never sent (the
//   owner could not be reached), are retried on the new owner; a command or transfer is
//   retried only when it carries an Idempotency-Key (the new owner answers from the stored
//   outcome if the first try committed). Otherwise it is answered owner_lost (503
//   OWNER_LOST). At most `attempts_max` tries in all.
// - A node whose connection went down is not chosen as an owner again until the membership
//   reports a new incarnation of it, or forgets it.
// - An owner that is leaving (app/graceful_leave.hpp) answers a forwarded command or transfer
//   with node_draining: it took nothing, so the message goes to the next owner at once, keyed
//   or not, and that node is not chosen again, as above; what it took before is still
//   answered by it.
// - At most `pending_max` forwarded requests wait at once; beyond that, unavailable.

#include <caf/typed_actor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/account_registry.hpp"
#include "cluster/membership.hpp"
#include "cluster/wire.hpp"

namespace chronicle::cluster {

// What the membership actor tells the router at every tick.
struct members_update {
  std::vector<member> members;         // live, this node included, ordered by id
  std::vector<std::int64_t> heard_ms;  // when each was last heard of (wall clock)
};

using router = actors::account_registry::extend<
    caf::reacts_to<members_update>, caf::replies_to<actors::cluster_atom>::with<std::string>,
    caf::replies_to<actors::owned_atom>::with<std::uint64_t>,
    caf::replies_to<forward_atom, std::string, std::string>::with<std::string>>;

struct router_limits {
  // Below the HTTP bridge's command timeout (10 s), so that the router answers first.
  std::chrono::milliseconds forward_timeout{8'000};
  std::chrono::milliseconds connect_timeout{2'000};
  // How long a committed transfer's reply waits for the destination owner's registry.
  std::chrono::milliseconds notice_timeout{1'000};
  int attempts_max = 3;
  std::size_t pending_max = 10'000;
};

// How the router takes commands and transfers that other nodes forward: `admit` answers
// whether this node still takes commands (false once it drains) and, when it does, counts one
// in flight until `done`, so that a leaving node answers every command it took before it
// goes. Empty: every one is taken.
struct command_admission {
  std::function<bool()> admit;
  std::function<void()> done;
};

struct router_settings {
  member self;             // this node's record (its id, addresses, start)
  bool clustered = false;  // false: everything goes to the registry
  std::int64_t ttl_ms = 0;
  router_limits limits;
  command_admission admission;
};

enum class forward_outcome {
  replied,   // the owner answered; the reply's JSON is given
  not_sent,  // the owner could not be reached: nothing was sent
  lost,      // sent, but the owner went away or did not answer in time: outcome unknown
};

struct router_state {
  struct peer {
    std::int64_t started_at_ms = 0;
    caf::actor handle;                                     // null while connecting
    std::vector<std::function<void(caf::actor)>> waiting;  // sends waiting for the connection
  };
  struct pending_forward {
    std::string node_id;
    std::function<void(forward_outcome, std::string)> done;
  };
  members_update view;
  // Nodes whose connection went down, with the incarnation that did.
  std::map<std::string, std::int64_t> suspects;
  std::map<std::string, peer> peers;
  std::unordered_map<caf::actor_addr, std::string> peer_of;
  std::unordered_map<std::uint64_t, pending_forward> pending;
  std::uint64_t next_id = 1;
  std::uint64_t forwarded = 0;
  std::uint64_t retried = 0;
  std::uint64_t owner_lost = 0;

  static inline const char* name = "cluster_router";
};

router::behavior_type router_impl(router::stateful_pointer<router_state> self,
                                  actors::local_registry registry, router_settings settings);

}  // namespace chronicle::cluster

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::cluster::members_update)
