#include <cstdio>
#include <utility>

#include "app/cli/command.hpp"

namespace chronicle::app::cli {

option_spec auditor_events_db_option() {
  return connection_option("auditor-events-db", "CHRONICLE_AUDITOR_EVENTS_DB",
                           local_auditor_events_db,
                           "the event store, as the read-only auditor role");
}

std::optional<int> parse(const char* command, const char* summary, std::vector<option_spec> specs,
                         int argc, char** argv, std::optional<options>& out, int first) {
  auto opts = options::parse(std::move(specs), argc, argv, first);
  if (!opts) {
    std::fprintf(stderr, "chronicle %s: %s\n", command, opts.error().c_str());
    return 2;
  }
  if (opts->help_requested()) {
    std::printf("chronicle %s: %s\n\n%s", command, summary, opts->usage().c_str());
    return 0;
  }
  out = std::move(*opts);
  return std::nullopt;
}

namespace {

// One URL: the port of a node on loopback.
domain::result<std::uint16_t, std::string> loopback_port(std::string url) {
  if (url.rfind("http://", 0) == 0) url.erase(0, 7);
  if (!url.empty() && url.back() == '/') url.pop_back();
  const auto colon = url.rfind(':');
  const auto host = url.substr(0, colon);
  if (colon == std::string::npos || (host != "127.0.0.1" && host != "localhost")) {
    return domain::failure("--url must be http://127.0.0.1:PORT (loopback only), not '" + url +
                           "'");
  }
  const auto port = url.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) < 1 ||
      std::stoi(port) > 65535) {
    return domain::failure("--url has no valid port: '" + url + "'");
  }
  return static_cast<std::uint16_t>(std::stoi(port));
}

}  // namespace

domain::result<std::vector<std::uint16_t>, std::string> loopback_ports(const std::string& urls,
                                                                       std::size_t nodes_max) {
  std::vector<std::uint16_t> ports;
  std::size_t begin = 0;
  for (;;) {
    const auto end = urls.find(',', begin);
    auto port = loopback_port(urls.substr(begin, end - begin));
    if (!port) return domain::failure(port.error());
    ports.push_back(*port);
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  if (ports.size() > nodes_max) {
    return domain::failure("--url names more than " + std::to_string(nodes_max) + " nodes");
  }
  return ports;
}

}  // namespace chronicle::app::cli
