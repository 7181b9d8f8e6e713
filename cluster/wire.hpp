#pragma once

// What travels between nodes over CAF remoting, and how it is encoded.
//
// A forwarded message is (forward_atom, kind, body) and its answer one string, the reply's
// JSON: only CAF's built-in types cross the wire, so both sides agree on the type ids by
// construction and a node never needs the other's type-id block. The JSON here is an
// internal format between nodes of one build, not an API: both ends are always the same
// program. Decoding never throws; a message it cannot read is answered as failed.

#include <caf/atom.hpp>
#include <string>

#include "actors/messages.hpp"
#include "domain/result.hpp"

namespace chronicle::cluster {

using forward_atom = caf::atom_constant<caf::atom("forward")>;

// The kinds of forwarded message: the account messages whose owner must answer, and the
// notice that another node wrote an account (answered with an empty object once the owner's
// registry has it in its mailbox).
enum class wire_kind { command, transfer, account, events, stale };

std::string kind_name(wire_kind kind);
domain::result<wire_kind, std::string> kind_from_name(const std::string& name);

std::string encode(const actors::command_request& m);
std::string encode(const actors::transfer_request& m);
std::string encode(const actors::account_query& m);
std::string encode(const actors::events_query& m);
std::string encode(const actors::stale_notice& m);
std::string encode(const actors::command_reply& m);
std::string encode(const actors::account_view& m);
std::string encode(const actors::events_page& m);

domain::result<actors::command_request, std::string> decode_command(const std::string& text);
domain::result<actors::transfer_request, std::string> decode_transfer(const std::string& text);
domain::result<actors::account_query, std::string> decode_account_query(const std::string& text);
domain::result<actors::events_query, std::string> decode_events_query(const std::string& text);
domain::result<actors::stale_notice, std::string> decode_stale_notice(const std::string& text);
domain::result<actors::command_reply, std::string> decode_command_reply(const std::string& text);
domain::result<actors::account_view, std::string> decode_account_view(const std::string& text);
domain::result<actors::events_page, std::string> decode_events_page(const std::string& text);

}  // namespace chronicle::cluster
