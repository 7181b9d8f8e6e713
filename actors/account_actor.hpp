#pragma once

// One actor per account: the only writer of that account's history on this node.
//
// Promises:
// - A command is answered only after its events are committed (or it was
//   rejected, or the store failed). Commands waiting in the mailbox are decided
//   in arrival order against the running state and appended as ONE batch, so a
//   hot account costs one round trip per batch, not per command. A batch that
//   takes the account to a multiple of `snapshot_every` also commits a snapshot
//   of the state at that version (decide_batch.hpp).
// - A command that carries an Idempotency-Key is answered from the stored
//   outcome when the key was seen before; with a different request, the key is
//   reported as reused. Nothing is appended twice.
// - On a version conflict (another writer won) the actor reloads its state and
//   decides the batch again, a bounded number of times. After an unavailable or
//   ambiguous store it reloads before deciding anything new.
// - Idle for `idle_timeout`, or told to passivate, it stops once its queue is
//   empty; the registry spawns it again on the next use.
// - After each commit that appended events (and after replying), it sends a
//   wake_atom to the outbox relay, if it was given one.
// - A transfer may hold the account (hold_atom): between batches, the actor
//   answers with its committed state and a token of the hold, and decides
//   nothing else until the transfer's release_order names that token, or until
//   `hold_lease` runs out. A hold whose outcome the actor cannot know (the lease
//   ran out, or the transfer's commit was ambiguous) is revoked in the store
//   before the state is loaded again (event_store::revoke_hold): after that, the
//   transfer cannot commit, and the loaded state is final. Holds are granted one
//   at a time, in arrival order; while both wait, holds and batches of commands
//   take turns. Queries are answered throughout.
// - With check_strong_reads, a strong read (account_query) is answered only after the store
//   said the account's latest version, from a state at that version or later.
// - Told that another node wrote the account (stale_atom with that write's version), it
//   reloads before it answers a query or decides anything, unless its state is at that
//   version already; a load that was under way when it was told counts as stale too.

#include <caf/actor.hpp>
#include <caf/typed_actor.hpp>
#include <chrono>
#include <deque>

#include "actors/db_worker.hpp"
#include "actors/messages.hpp"

namespace chronicle::actors {

using account_actor =
    caf::typed_actor<caf::replies_to<command_request>::with<command_reply>,
                     caf::replies_to<account_query>::with<account_view>,
                     caf::replies_to<events_query>::with<events_page>,
                     caf::replies_to<hold_atom, std::string>::with<hold_reply>,
                     caf::reacts_to<release_order>, caf::reacts_to<lease_atom, std::string>,
                     caf::reacts_to<flush_atom>, caf::reacts_to<idle_atom>,
                     caf::reacts_to<passivate_atom>, caf::reacts_to<stale_atom, std::int64_t>>;

struct account_limits {
  std::size_t batch_commands_max = 256;
  std::size_t queue_commands_max = 10'000;  // beyond this, commands are refused at once
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds db_timeout{20'000};
  int conflict_retries_max = 5;
  // A transfer's hold ends by itself after this, even if the transfer never
  // releases it; the account then reloads before deciding anything.
  std::chrono::milliseconds hold_lease{5'000};
  std::size_t holds_waiting_max = 64;
  // A snapshot of the state is committed with the event that reaches every multiple of
  // this version (0: never); see decide_batch.hpp.
  std::int64_t snapshot_every = 100;
  // A strong read first asks the store for the account's latest version and reloads when
  // the store is ahead: in a cluster, another node may have written the account (two nodes
  // that briefly disagree on its owner). Off on a single node, the account's only writer.
  bool check_strong_reads = false;
};

// Whom an account actor tells about its commits; an invalid handle: nobody.
struct account_peers {
  caf::actor relay;  // the outbox relay, woken after each commit with events
};

struct pending_command {
  command_request request;
  caf::typed_response_promise<command_reply> promise;
};

struct pending_hold {
  std::string transfer_id;
  caf::typed_response_promise<hold_reply> promise;
};

struct account_actor_state {
  enum class phase { unloaded, loading, ready, busy, held };

  domain::account_state account;
  phase stage = phase::unloaded;
  bool stale = false;            // the store may hold more than `account` knows
  std::uint64_t stale_marks = 0;  // stale_atoms taken; a load from before the last is stale
  bool flush_scheduled = false;  // a flush_atom is in the mailbox
  bool passivating = false;
  int conflict_retries = 0;
  std::deque<pending_command> queue;
  std::vector<pending_command> in_flight;
  std::deque<pending_hold> holds;  // transfers waiting to hold this account
  std::string hold_token;          // the granted hold's token, while stage == held
  bool hold_served_last = false;   // the last turn went to a hold, not to commands
  // A hold whose transfer may still commit: revoked before the state is loaded again.
  std::string revoke_token;
  std::vector<std::function<void()>> after_load;  // queries waiting for the state
  std::chrono::steady_clock::time_point last_activity;
  account_peers peers;

  static inline const char* name = "account_actor";
};

account_actor::behavior_type account_actor_impl(
    account_actor::stateful_pointer<account_actor_state> self, std::string account_id,
    db_worker worker, account_limits limits, account_peers peers);

}  // namespace chronicle::actors
