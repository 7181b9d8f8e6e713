#include "cluster/membership.hpp"

#include <nlohmann/json.hpp>

namespace chronicle::cluster {

namespace {
constexpr std::size_t node_id_length_max = 64;
}

bool valid_node_id(const std::string& id) {
  if (id.empty() || id.size() > node_id_length_max) return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string encode_member(const member& m) {
  // nlohmann::json objects keep their keys sorted.
  return nlohmann::json{{"node_id", m.node_id},
                        {"cluster_host", m.cluster_host},
                        {"cluster_port", m.cluster_port},
                        {"http_url", m.http_url},
                        {"started_at_ms", m.started_at_ms},
                        {"heartbeat_ms", m.heartbeat_ms},
                        {"live_accounts", m.live_accounts},
                        {"owned_accounts", m.owned_accounts},
                        {"event_store_up", m.event_store_up}}
      .dump();
}

domain::result<member, std::string> decode_member(const std::string& json_text) {
  const auto j = nlohmann::json::parse(json_text, nullptr, false);
  if (!j.is_object()) return domain::failure(std::string{"a member record is not a JSON object"});
  try {
    member m;
    m.node_id = j.at("node_id").get<std::string>();
    m.cluster_host = j.at("cluster_host").get<std::string>();
    // get<std::uint16_t>() would wrap 70000 around silently.
    const auto port = j.at("cluster_port").get<std::int64_t>();
    if (port < 1 || port > 65535) {
      return domain::failure(std::string{"a member record's cluster_port is out of range"});
    }
    m.cluster_port = static_cast<std::uint16_t>(port);
    m.http_url = j.at("http_url").get<std::string>();
    m.started_at_ms = j.at("started_at_ms").get<std::int64_t>();
    m.heartbeat_ms = j.at("heartbeat_ms").get<std::int64_t>();
    m.live_accounts = j.value("live_accounts", std::uint64_t{0});
    m.owned_accounts = j.value("owned_accounts", std::uint64_t{0});
    m.event_store_up = j.value("event_store_up", false);
    if (!valid_node_id(m.node_id) || m.cluster_host.empty()) {
      return domain::failure(std::string{"a member record names no valid node or address"});
    }
    return m;
  } catch (const nlohmann::json::exception& e) {
    return domain::failure(std::string{"a member record is malformed: "} + e.what());
  }
}

membership_view::membership_view(member self, std::int64_t ttl_ms)
    : self_{std::move(self)}, ttl_ms_{ttl_ms} {}

void membership_view::update_self(member self) {
  self_ = std::move(self);
}

bool membership_view::observe(member m, std::int64_t heard_ms) {
  if (m.node_id == self_.node_id) return false;
  auto it = others_.find(m.node_id);
  if (it == others_.end()) {
    const auto id = m.node_id;
    others_.emplace(id, heard{std::move(m), heard_ms});
    return true;
  }
  // A record older than the one kept (a late delivery) refreshes nothing.
  if (m.started_at_ms == it->second.record.started_at_ms &&
      m.heartbeat_ms < it->second.record.heartbeat_ms) {
    return false;
  }
  const bool new_incarnation = m.started_at_ms != it->second.record.started_at_ms;
  it->second = heard{std::move(m), std::max(heard_ms, it->second.at_ms)};
  return new_incarnation;
}

bool membership_view::remove(const std::string& node_id) {
  return others_.erase(node_id) > 0;
}

bool membership_view::expire(std::int64_t now_ms) {
  bool any = false;
  for (auto it = others_.begin(); it != others_.end();) {
    if (now_ms - it->second.at_ms > ttl_ms_) {
      it = others_.erase(it);
      any = true;
    } else {
      ++it;
    }
  }
  return any;
}

std::vector<member> membership_view::members() const {
  std::vector<member> out;
  bool self_placed = false;
  for (const auto& [id, h] : others_) {
    if (!self_placed && self_.node_id < id) {
      out.push_back(self_);
      self_placed = true;
    }
    out.push_back(h.record);
  }
  if (!self_placed) out.push_back(self_);
  return out;
}

std::vector<std::string> membership_view::node_ids() const {
  std::vector<std::string> out;
  for (const auto& m : members()) out.push_back(m.node_id);
  return out;
}

std::int64_t membership_view::last_heard_ms(const std::string& node_id) const {
  if (node_id == self_.node_id) return self_.heartbeat_ms;
  const auto it = others_.find(node_id);
  return it == others_.end() ? 0 : it->second.at_ms;
}

}  // namespace chronicle::cluster
