#pragma once

// Which node owns an account: rendezvous (highest-random-weight) hashing over the
// live members. Pure: no CAF, no NATS.
//
// Promises: every node that sees the same member list picks the same owner for the
// same account, whatever the list's order. Accounts spread evenly over the members
// (each node's weight for an account is an independent 64-bit hash), and a change
// of membership moves only the accounts that must move: those of a node that left,
// or those that a node that joined now wins (about 1/N of them each).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace chronicle::cluster {

// A stable 64-bit hash of (node, account): the same in every process and build.
std::uint64_t rendezvous_weight(std::string_view node_id, std::string_view account_id);

// The owner of `account_id` among `node_ids`; empty when there are none. Ties (only
// possible for equal ids) go to the smaller id.
std::string owner_of(std::string_view account_id, const std::vector<std::string>& node_ids);

}  // namespace chronicle::cluster
