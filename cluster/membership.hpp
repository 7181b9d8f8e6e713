#pragma once

// The cluster's members as one node sees them. Pure: no CAF, no NATS; the clock is
// passed in. membership_actor.hpp feeds it from the NATS JetStream key-value bucket.
//
// Promises: a member is live from the first time it is heard of until it is deleted
// (it left) or not heard of for `ttl_ms` (it died); this node itself is always live
// in its own view. A member that comes back with a new `started_at_ms` is a new
// incarnation of that node: its record replaces the old one.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "domain/result.hpp"

namespace chronicle::cluster {

// What a node writes under its own key, about itself.
struct member {
  std::string node_id;
  std::string cluster_host;  // where its forwarding actor listens (CAF remoting)
  std::uint16_t cluster_port = 0;
  std::string http_url;
  std::int64_t started_at_ms = 0;  // wall clock; tells incarnations apart
  std::int64_t heartbeat_ms = 0;   // wall clock, when it wrote this record
  // Its own view, for GET /cluster.
  std::uint64_t live_accounts = 0;   // account actors alive on it
  std::uint64_t owned_accounts = 0;  // those of them whose account it owns
  bool event_store_up = false;
};

// The record's JSON (compact, keys sorted) and back; decoding never throws.
std::string encode_member(const member& m);
domain::result<member, std::string> decode_member(const std::string& json_text);

// Node ids are KV keys: 1 to 64 of [A-Za-z0-9_-].
bool valid_node_id(const std::string& id);

class membership_view {
 public:
  membership_view(member self, std::int64_t ttl_ms);

  // This node's own record, refreshed at each heartbeat.
  void update_self(member self);
  // A record heard at `heard_ms`; answers whether the live set changed (a node or an
  // incarnation came). A record naming this node is ignored: its own record is kept.
  bool observe(member m, std::int64_t heard_ms);
  // The node left (its key was deleted); answers whether it was live.
  bool remove(const std::string& node_id);
  // Drops every member not heard of for longer than the TTL; answers whether any was.
  bool expire(std::int64_t now_ms);

  // Every live member, this node included, ordered by node id.
  std::vector<member> members() const;
  std::vector<std::string> node_ids() const;
  // When this node last heard of `node_id` (its own clock); 0 when it is not live.
  std::int64_t last_heard_ms(const std::string& node_id) const;
  const member& self() const { return self_; }
  std::int64_t ttl_ms() const { return ttl_ms_; }

 private:
  struct heard {
    member record;
    std::int64_t at_ms = 0;
  };
  member self_;
  std::int64_t ttl_ms_;
  std::map<std::string, heard> others_;
};

}  // namespace chronicle::cluster
