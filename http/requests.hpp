#pragma once

// Turns the body of a command request into an actor message, or into the
// precise problem with it. Pure: no server, no actor, so it is unit-tested.

#include <string_view>

#include "actors/messages.hpp"
#include "domain/result.hpp"
#include "http/errors.hpp"
#include "http/limits.hpp"

namespace chronicle::http {

// Command bodies are flat JSON objects. A field may hold an array or an object only so
// that its wrong type is refused by name; anything nested deeper than this many levels
// (the body itself is level 1) is refused while parsing, before it is built. A name
// that appears twice in one object is refused too: the JSON library would keep the
// last silently, and a ledger must not guess which one the client meant.
constexpr std::size_t json_depth_max = 2;

enum class command_route { create_account, deposit, withdraw, close_account };

// `idempotency_key` is the header's value, empty when absent.
domain::result<actors::command_request, problem> parse_command(command_route route,
                                                               std::string_view body,
                                                               std::string_view idempotency_key);

// A transfer without a transfer_id gets a fresh one.
domain::result<actors::transfer_request, problem> parse_transfer(std::string_view body,
                                                                 std::string_view idempotency_key);

// True for "application/json", with or without parameters such as charset.
bool is_json_content_type(std::string_view value);

}  // namespace chronicle::http
