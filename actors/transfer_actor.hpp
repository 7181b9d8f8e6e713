#pragma once

// A transfer actor: coordinates one transfer between two account actors, then
// stops.
//
// Promises:
// - Both legs are appended in ONE transaction, with the version check on both
//   accounts, or neither is (with a snapshot of each account whose leg reaches
//   a multiple of `snapshot_every`). The reply comes only after the commit.
// - No deadlock: the two accounts are held in the global order of their ids,
//   so two transfers over the same pair (in either direction) queue up rather
//   than wait on each other; every hold is bounded by the account's lease.
// - Idempotent by Idempotency-Key (of the API key that sent it) and by
//   transfer_id: a retry answers the stored outcome and appends nothing.
// - Fenced: the outcome, legs or stored refusal, commits only if both accounts
//   are still at the versions it was decided on and neither hold was revoked
//   (event_store.hpp). An account whose lease ran out has revoked its hold, so
//   a transfer that lost a hold cannot commit.
// - Whatever happens, both accounts are released with their hold's token: with
//   their new states after a commit, unchanged when nothing was written, to be
//   reloaded after a conflict, and to revoke the hold and reload when the
//   outcome is unknown.

#include <caf/typed_actor.hpp>

#include "actors/account_actor.hpp"
#include "actors/db_worker.hpp"
#include "actors/messages.hpp"

namespace chronicle::actors {

using transfer_actor = caf::typed_actor<caf::replies_to<transfer_request>::with<command_reply>>;

struct transfer_limits {
  std::chrono::milliseconds hold_timeout{4'000};  // below the accounts' hold lease
  std::chrono::milliseconds db_timeout{20'000};
  // As account_limits::snapshot_every: a leg that takes its account to a multiple of this
  // version commits a snapshot with the transfer (0: never).
  std::int64_t snapshot_every = 100;
};

struct transfer_actor_state {
  static inline const char* name = "transfer_actor";
};

transfer_actor::behavior_type transfer_actor_impl(
    transfer_actor::stateful_pointer<transfer_actor_state> self, account_actor from,
    account_actor to, db_worker worker, transfer_limits limits);

}  // namespace chronicle::actors
