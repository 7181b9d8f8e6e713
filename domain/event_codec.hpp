#pragma once

// The on-disk and on-wire form of events, and the SHA-256 hash chain.
// docs/EVENT_SOURCING.md is the specification this file implements.
//
// Promises: the canonical encoding of an event is a pure function of its fields
// and survives a JSONB round trip: keys are sorted, amounts are decimal strings,
// the timestamp has one fixed format, and there are no floating-point numbers.
// So the hash of a stored event can be recomputed from what the store returns.
// Decoding never throws: malformed input answers a message.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "domain/account.hpp"
#include "domain/result.hpp"

namespace chronicle::domain {

// The payload shape events are written in. Older shapes are upcast when
// decoded; see docs/EVENT_SOURCING.md for each version.
constexpr int event_schema_version = 3;

// The deepest nesting of arrays and objects a payload may have, the payload object included.
// Payloads are flat; the limit is there because the JSON library copies and prints
// recursively, so a deeply nested payload from the bus would overflow the stack.
constexpr int payload_depth_max = 32;

// The prev_hash of every account's first event: 64 zeros.
const std::string& genesis_hash();

// "AccountCreated", "MoneyDeposited", "MoneyWithdrawn".
std::string_view event_type_name(const event_body& body);

// The payload ("data") object of an event.
nlohmann::json encode_payload(const event_body& body);
// Refuses, with a message, data that is not an object or is nested deeper than
// payload_depth_max.
result<event_body, std::string> decode_payload(std::string_view type, int schema_version,
                                               const nlohmann::json& data);

// Completes an event whose envelope fields are set: decodes (and upcasts) its
// body from the stored `data`, and keeps `data`'s canonical text for hashing.
result<event, std::string> decode_event(event envelope_only, std::string_view type,
                                        const nlohmann::json& data);

// The event as a JSON object: envelope, data (as stored), prev_hash and hash;
// and back, as published on the bus.
nlohmann::json event_to_json(const event& e);
result<event, std::string> event_from_json(const nlohmann::json& j);

// The bytes that are hashed after the previous hash: the envelope and the data
// as stored (not upcast), without prev_hash and hash, as compact JSON with
// sorted keys.
std::string canonical_encoding(const event& e);

// hash(n) = hex(SHA-256(hash(n-1) as 64 hex characters ‖ canonical_encoding(n))).
std::string chain_hash(const std::string& prev_hash, const event& e);

std::string sha256_hex(std::string_view bytes);

// What is wrong when an event does not follow its account's state.
struct chain_violation {
  std::string account_id;
  std::int64_t version = 0;
  std::string problem;   // "version gap", "broken link" or "hash mismatch"
  std::string expected;  // the version, prev_hash or hash that should be there
  std::string stored;    // what is stored instead
};

// Checks that `e` may follow `state`: the next version, linked to the state's
// last hash (or the genesis hash), with a hash that matches its contents.
std::optional<chain_violation> check_link(const account_state& state, const event& e);

// Gives each body its envelope: the next versions after `state`, fresh event
// ids, and hashes chained from the state's last hash. `issued_by` is the API key
// that issued the command.
std::vector<event> seal(const account_state& state, const std::vector<event_body>& bodies,
                        const std::string& command_id, micros now,
                        const std::string& issued_by = "");

}  // namespace chronicle::domain
