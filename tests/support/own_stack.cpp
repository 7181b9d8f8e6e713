#include "tests/support/own_stack.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "persistence/migrate.hpp"
#include "tests/support/node_process.hpp"

namespace chronicle::testing {
namespace {

constexpr auto nats_start_timeout = std::chrono::seconds{15};
constexpr auto poll_interval = std::chrono::milliseconds{100};

// `connection` with the database it names replaced by `to`; empty when it names none.
std::string retarget(const std::string& connection, const std::string& to) {
  const std::string key = "dbname=";
  const auto at = connection.find(key);
  if (at == std::string::npos) return {};
  const auto end = connection.find(' ', at);
  return connection.substr(0, at) + key + to +
         (end == std::string::npos ? "" : connection.substr(end));
}

bool accepts_connections(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

own_databases::own_databases(const std::string& prefix) {
  const std::string events = prefix + "_events";
  const std::string state = prefix + "_state";
  if (stack_command("fresh-db " + events + " " + state) != 0) return;
  events_admin_ = retarget(admin_db(), events);
  state_admin_ = retarget(state_admin_db(), state);
  events_app_ = retarget(events_db(), events);
  state_app_ = retarget(state_db(), state);
  events_projector_ = retarget(projector_events_db(), events);
  state_projector_ = retarget(projector_state_db(), state);
  for (const auto* s : {&events_admin_, &state_admin_, &events_app_, &state_app_,
                        &events_projector_, &state_projector_}) {
    if (s->empty()) return;
  }
  ok_ = persistence::migrate(events_admin_, persistence::events_migrations()).ok() &&
        persistence::migrate(state_admin_, persistence::state_migrations()).ok();
}

std::vector<std::string> own_databases::node_args() const {
  return {"--events-db",
          events_app_,
          "--state-db",
          state_app_,
          "--admin-db",
          events_admin_,
          "--state-admin-db",
          state_admin_,
          "--projector-events-db",
          events_projector_,
          "--projector-state-db",
          state_projector_};
}

own_nats::own_nats(std::uint16_t port) : port_{port} {
  dir_ = "/tmp/chronicle-test-nats-" + std::to_string(port) + "-" + unique_suffix();
  std::filesystem::create_directories(dir_);
  pid_ = spawn_logged(
      {"nats-server", "-js", "-a", "127.0.0.1", "-p", std::to_string(port), "-sd", dir_ + "/store"},
      dir_ + "/nats.log");
  const auto deadline = std::chrono::steady_clock::now() + nats_start_timeout;
  while (pid_ > 0 && std::chrono::steady_clock::now() < deadline) {
    if (accepts_connections(port)) {
      started_ = true;
      return;
    }
    std::this_thread::sleep_for(poll_interval);
  }
}

own_nats::~own_nats() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string own_nats::url() const {
  return "nats://127.0.0.1:" + std::to_string(port_);
}

}  // namespace chronicle::testing
