#pragma once

// How the pg_* stores read events: one select list and one decoder, so every
// query that returns events (the event store's reads, the outbox's pending
// rows) decodes them the same way.

#include <pqxx/row>
#include <string>

#include "domain/account.hpp"
#include "domain/result.hpp"

namespace chronicle::persistence {

// The columns decode_event_row() expects, in this order, qualified with the
// table alias `e` (write "FROM events e").
inline constexpr const char* event_columns =
    "e.account_id, e.version, e.event_id::text, e.event_type, e.schema_version,"
    " e.payload::text, e.command_id, e.occurred_at::text, e.prev_hash, e.hash, e.issued_by";

// Decodes (and upcasts) one row selected with event_columns; a malformed row
// answers a message instead of throwing.
domain::result<domain::event, std::string> decode_event_row(const pqxx::row& row);

}  // namespace chronicle::persistence
