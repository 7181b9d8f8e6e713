#pragma once

// Counts the open connections of each client address, so that one client cannot take all of
// a node's connections (the server's connections_max bounds them all together).
//
// Promises: try_open() admits a connection and counts it only while its address has fewer
// than `per_client_max` open; close() gives one back (never below zero). Memory is
// proportional to the addresses with a connection open now. `per_client_max == 0` admits
// everything. Thread-safe.

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace chronicle::http {

class client_connections {
 public:
  explicit client_connections(std::size_t per_client_max) : per_client_max_{per_client_max} {}

  bool try_open(const std::string& address);
  void close(const std::string& address);
  std::size_t open_of(const std::string& address) const;

 private:
  std::size_t per_client_max_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::size_t> open_;
};

}  // namespace chronicle::http
