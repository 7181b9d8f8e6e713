#pragma once

// Account state snapshots: the canonical JSON of a folded account state, and the snapshot
// that carries it. docs/EVENT_SOURCING.md ("Snapshots and time travel") is the
// specification this file implements.
//
// Promises: encode_state() is a pure function of the state and survives a JSONB round
// trip (sorted keys, the balance as a decimal string in the account's currency, instants in
// the one canonical format, no floating-point numbers), so a stored snapshot decodes to
// exactly the state it was taken from. Decoding never throws: malformed input answers a
// message. A snapshot is derived data: the hash chain of the events stays the proof, and a
// snapshot is only ever trusted where it agrees with it (persistence::load_state, verify).

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/account.hpp"
#include "domain/result.hpp"

namespace chronicle::domain {

// The shape of the state JSON; a decoder refuses shapes it does not know.
constexpr int state_schema_version = 1;

// The state of one account at one version, as the snapshots table keeps it.
struct state_snapshot {
  std::string account_id;
  std::int64_t version = 0;
  std::string hash;        // the hash of the event at `version`: where the chain goes on
  micros occurred_at = 0;  // when that event occurred
  std::string state;       // encode_state() of the state at `version`
};

// The canonical JSON of a state that has at least one event (status open or closed):
// {"account_id", "balance", "created_at", "currency", "last_hash", "owner_name",
//  "schema_version", "status", "updated_at", "version"}, compact, keys sorted.
std::string encode_state(const account_state& state);

// Decodes encode_state()'s output (or JSONB's re-serialisation of it); refuses anything
// else: a missing or mistyped field, extra fields, an unknown schema version, currency or
// status, a balance that is not the currency's exact decimal form, a version below 1.
result<account_state, std::string> decode_state(std::string_view json_text);

// Whether an account that reaches `version` takes a snapshot there: every `every`
// versions; never when `every` is 0 or less.
bool snapshot_due(std::int64_t version, std::int64_t every);

// The snapshot of a state that has at least one event.
state_snapshot take_snapshot(const account_state& state);

// The state a snapshot holds, once its columns agree with its state JSON (account, version,
// hash and instant); a disagreement is reported like any malformed snapshot.
result<account_state, std::string> restore_snapshot(const state_snapshot& snapshot);

}  // namespace chronicle::domain
