#pragma once

// Every message exchanged by the ledger's actors, and their atoms.
//
// These messages travel inside one process only (the cluster issue will give
// them inspect() overloads for CAF remoting), so they are declared as allowed
// unsafe message types.

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "domain/account.hpp"
#include "persistence/event_store.hpp"
#include "persistence/time_travel.hpp"

namespace chronicle::actors {

using flush_atom = caf::atom_constant<caf::atom("flush")>;
using idle_atom = caf::atom_constant<caf::atom("idle")>;
using passivate_atom = caf::atom_constant<caf::atom("passivate")>;
using load_atom = caf::atom_constant<caf::atom("load")>;
// The account's latest version in the event store (0: it has no events).
using head_atom = caf::atom_constant<caf::atom("head")>;
using lookup_atom = caf::atom_constant<caf::atom("lookup")>;
// Sent by an account actor to the outbox relay after a commit that appended
// events: there is something to publish.
using wake_atom = caf::atom_constant<caf::atom("wake")>;
// Transfers: an account actor held for a transfer decides nothing else until
// the transfer releases it or its lease runs out.
using hold_atom = caf::atom_constant<caf::atom("hold")>;
using lease_atom = caf::atom_constant<caf::atom("lease")>;
// The account registry answers it with the number of account actors alive in it.
using live_atom = caf::atom_constant<caf::atom("live")>;
// GET /cluster: the cluster router answers it with this node's view of the cluster (JSON).
using cluster_atom = caf::atom_constant<caf::atom("cluster")>;
// The cluster router answers it with the number of live account actors of the accounts this
// node owns.
using owned_atom = caf::atom_constant<caf::atom("owned")>;
// Another node may have written the account: its actor reloads before it answers or decides
// anything, unless it already is at the version the message names.
using stale_atom = caf::atom_constant<caf::atom("stale")>;
// The version of a stale_atom that no actor is at: reload, whatever the version.
constexpr std::int64_t any_version = std::numeric_limits<std::int64_t>::max();

struct command_request {
  std::string account_id;
  std::string idempotency_key;  // empty when the client sent none
  std::string fingerprint;      // identifies the request behind the key
  domain::command command;
  std::string issued_by;        // the API key id, recorded in the events
};

enum class command_status {
  accepted,                // committed; the reply carries the new event and balance
  rejected,                // a business rule said no; nothing was appended
  idempotency_key_reused,  // the key belongs to a different request
  unavailable,             // the store could not be reached, or the outcome is unknown
  failed,                  // the store failed otherwise (corrupt history, a bug)
  // Forwarded to the account's owner node, which stopped before it answered: whether the
  // command was applied is unknown (cluster/router.hpp). Retrying with an Idempotency-Key
  // is safe.
  owner_lost,
  // Forwarded to the account's owner node, which is leaving (app/graceful_leave.hpp) and did
  // not take the command: sending it to another node is safe, with or without a key. The
  // last enumerator: the cluster's wire format checks against it.
  node_draining,
};

enum class query_status { ok, not_found, unavailable, failed };

// One event a command appended, as the reply lists it.
struct event_ref {
  std::string event_id;
  std::string type;
  std::string account_id;
  std::int64_t version = 0;
};

struct command_reply {
  command_status status = command_status::failed;
  bool replayed = false;  // answered from the idempotency record of an earlier try
  std::string event_id;
  std::int64_t version = 0;
  std::string balance;  // decimal text in the account's currency
  std::string currency;
  domain::rejection_code code = domain::rejection_code::account_not_found;
  std::string message;
  // Transfers only: `balance` is the source account's, `other_balance` the
  // destination's, and `events` lists both legs.
  std::string transfer_id;
  std::string other_balance;
  std::vector<event_ref> events;
};

struct transfer_request {
  std::string idempotency_key;  // empty when the client sent none
  std::string fingerprint;
  domain::transfer transfer;
  std::string issued_by;  // the API key id, recorded in both legs
};

// An account actor's answer to a hold: its committed state while held, and the
// hold's token. The transfer's batch carries the token (append_batch::hold_tokens)
// and its release names it; an account that takes itself back revokes the token
// in the store, after which no batch carrying it can commit.
struct hold_reply {
  query_status status = query_status::failed;  // not_found is never used: absent is a state
  domain::account_state state;
  std::string token;
};

// How a transfer's hold of an account ended.
enum class hold_end {
  committed,  // the transfer's batch committed: `next` is the account's new state
  untouched,  // the transfer wrote nothing, and the account is as it was
  moved,      // the transfer wrote nothing, but the account moved on in the store: reload
  unknown,    // the batch may still commit: revoke the hold's token, then reload
};

// Ends a hold. With a token, it ends the granted hold of that token and nothing
// else. Without one (the transfer never received a grant), it withdraws the
// transfer's hold request if that is still waiting; a hold granted meanwhile ends
// at its lease.
struct release_order {
  std::string transfer_id;
  std::string token;
  hold_end end = hold_end::untouched;
  std::optional<domain::account_state> next;  // with hold_end::committed
};

// The key of the command's stored outcome (persistence::client_command_key): its
// Idempotency-Key in the namespace of the API key that sent it.
std::string stored_key(const command_request& request);

// The outcome kept with an idempotency key, as JSON text, and back. Only
// accepted and rejected outcomes are ever stored.
std::string encode_stored_reply(const command_reply& reply);
command_reply decode_stored_reply(const std::string& json_text);

struct account_query {
  std::string account_id;
};

struct account_view {
  query_status status = query_status::failed;
  domain::account_state state;
};

struct events_query {
  std::string account_id;
  std::int64_t from_version = 1;
  std::size_t limit = 100;
};

struct events_page {
  query_status status = query_status::failed;
  std::vector<domain::event> events;
};

// A strong read of several accounts, all as of one instant of the event store.
struct snapshot_query {
  std::vector<std::string> account_ids;  // at most persistence::snapshot_accounts_max, distinct
};

struct snapshot_view {
  query_status status = query_status::failed;
  // In the order asked; an unknown account has status absent.
  std::vector<domain::account_state> accounts;
};

// Time travel, a strong read from the event store: the account's state right
// after event `version`, or as of instant `at` (exactly one of them is set).
struct balance_at_query {
  std::string account_id;
  std::optional<std::int64_t> version;
  std::optional<domain::micros> at;
};

struct balance_at_view {
  query_status status = query_status::failed;  // ok also when the point is before the account
  persistence::past_state past;
};

// The account's state after each of its events in a range of instants.
struct history_query {
  persistence::history_range range;
};

struct history_view {
  query_status status = query_status::failed;  // ok also when the account has no events
  persistence::history_page page;
};

// Sent to the account registry by the cluster router (cluster/router.hpp), about an account
// another node wrote: it committed `version` of it (a transfer into it that the source
// account's owner coordinated), or may have (any_version).
struct stale_notice {
  std::string account_id;
  std::int64_t version = 0;
};

// The live accounts for which `test(id)` holds: the registry marks them stale (stale_atom:
// ownership moved, and another node may have written them) or counts them (live_atom).
struct account_filter {
  std::function<bool(const std::string&)> test;
};

// What a database worker answers: a value or the store's error.
template <class T>
struct store_reply {
  std::optional<persistence::store_error> error;
  T value{};
};

using load_reply = store_reply<domain::account_state>;
using head_reply = store_reply<std::int64_t>;
using lookup_reply = store_reply<std::vector<persistence::command_record>>;
using append_reply = store_reply<persistence::done>;

query_status to_query_status(persistence::store_error error);

}  // namespace chronicle::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::actors::command_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::actors::command_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::actors::transfer_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::actors::hold_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::actors::release_order)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::actors::account_query)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::actors::account_view)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::actors::events_query)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::actors::events_page)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::actors::snapshot_query)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::actors::snapshot_view)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::actors::balance_at_query)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::actors::balance_at_view)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::actors::history_query)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::actors::history_view)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::actors::stale_notice)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::actors::account_filter)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::actors::load_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::actors::head_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::actors::lookup_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::actors::append_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::persistence::append_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<std::string>)
