#pragma once

// Identifiers and instants used across the ledger.
//
// Promises: every function here is pure except new_uuid(), which draws from a
// per-thread random generator seeded from std::random_device. No function throws
// on user input: validation answers with a bool or an empty optional.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chronicle::domain {

// Microseconds since the Unix epoch, UTC. The event store keeps microsecond
// precision (PostgreSQL and CockroachDB alike), so nothing finer is ever hashed.
using micros = std::int64_t;

constexpr std::size_t account_id_bytes_max = 64;
constexpr std::size_t owner_name_bytes_max = 200;
constexpr std::size_t description_bytes_max = 500;
constexpr std::size_t idempotency_key_bytes_max = 128;

// An account id is 1..64 characters of [A-Za-z0-9_-]: safe in URLs, in logs and
// as one NATS subject token (so no '.') without escaping.
bool valid_account_id(std::string_view id);

// Idempotency keys are 1..128 printable ASCII characters without spaces.
bool valid_idempotency_key(std::string_view key);

// Free text (owner names, descriptions) must be valid UTF-8 without control
// characters; NUL in particular cannot be stored in JSONB.
bool valid_text(std::string_view text, std::size_t bytes_max);

// A random (version 4) UUID in its canonical lower-case 36-character form.
std::string new_uuid();

// The canonical instant format: "2026-11-26T10:48:37.123456Z" (always six
// fraction digits, always UTC). It is part of the hash input.
std::string format_instant(micros at);

// Parses the canonical form and also PostgreSQL's text output of a timestamptz
// in a UTC session ("2026-11-26 10:48:37.1234+00", fraction optional).
std::optional<micros> parse_instant(std::string_view text);

// An instant a client wrote (a query parameter): every form parse_instant accepts, and
// also ISO 8601 / RFC 3339 offsets other than UTC ("2026-11-26T12:48:37+02:00" is
// 10:48:37Z; "-00:00", an unknown offset, is refused) and up to nine fraction digits, of
// which those past the sixth are dropped (toward the past: an instant between two
// microseconds reads as the earlier one).
std::optional<micros> parse_client_instant(std::string_view text);

micros now_micros();

}  // namespace chronicle::domain
