#pragma once

// Clustered test nodes (`chronicled --cluster`) on the test stack: the arguments that make a
// node a member, and what the suites ask a member's GET /cluster. The membership bucket is the
// test stream's (`<stream>_MEMBERS`, in the stack's NATS); node ids name the members, so a
// restarted node comes back as a new incarnation of the same member.

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace chronicle::testing {

// Short, so that the suites are quick; the node's defaults are 1000 and 3000.
constexpr int cluster_heartbeat_ms = 300;
constexpr int cluster_ttl_ms = 3000;

// The options that make a node with id `node_id` a member, published on `caf_port`.
std::vector<std::string> cluster_args(const std::string& node_id, std::uint16_t caf_port);

// GET /cluster of the node on `http_port`, or null when it does not answer 200.
nlohmann::json cluster_of(std::uint16_t http_port);

// That node's own count in GET /cluster: how many account actors are live on it
// ("live_accounts") or how many of them it owns ("owned_accounts"); 0 when it does not answer.
std::uint64_t accounts_on(std::uint16_t http_port, const char* count = "live_accounts");

// Whether every node on `http_ports` sees exactly `expected` as members, none of them
// suspect, within `within`.
bool converged(const std::vector<std::uint16_t>& http_ports, std::vector<std::string> expected,
               std::chrono::milliseconds within);

}  // namespace chronicle::testing
