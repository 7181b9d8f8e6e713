#include "http/client_connections.hpp"

namespace chronicle::http {

bool client_connections::try_open(const std::string& address) {
  const std::lock_guard<std::mutex> lock{mutex_};
  auto& count = open_[address];
  if (per_client_max_ > 0 && count >= per_client_max_) return false;
  ++count;
  return true;
}

void client_connections::close(const std::string& address) {
  const std::lock_guard<std::mutex> lock{mutex_};
  const auto it = open_.find(address);
  if (it == open_.end()) return;
  if (it->second <= 1) {
    open_.erase(it);
  } else {
    --it->second;
  }
}

std::size_t client_connections::open_of(const std::string& address) const {
  const std::lock_guard<std::mutex> lock{mutex_};
  const auto it = open_.find(address);
  return it == open_.end() ? 0 : it->second;
}

}  // namespace chronicle::http
