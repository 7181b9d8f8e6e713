#include "tests/support/node_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

#include "app/options.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/test_keys.hpp"

namespace chronicle::testing {
namespace {

constexpr auto start_timeout = std::chrono::seconds{30};
constexpr auto stop_timeout = std::chrono::seconds{15};
constexpr auto poll_interval = std::chrono::milliseconds{100};

bool exited(pid_t pid) {
  int status = 0;
  return ::waitpid(pid, &status, WNOHANG) == pid;
}

}  // namespace

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

std::string events_db() {
  return env_or("CHRONICLE_EVENTS_DB", app::local_events_db);
}
std::string admin_db() {
  return env_or("CHRONICLE_ADMIN_DB", app::local_admin_db);
}
std::string state_db() {
  return env_or("CHRONICLE_STATE_DB", app::local_state_db);
}
std::string state_admin_db() {
  return env_or("CHRONICLE_STATE_ADMIN_DB", app::local_state_admin_db);
}

std::string projector_events_db() {
  return env_or("CHRONICLE_PROJECTOR_EVENTS_DB", app::local_projector_events_db);
}
std::string projector_state_db() {
  return env_or("CHRONICLE_PROJECTOR_STATE_DB", app::local_projector_state_db);
}
std::string auditor_events_db() {
  return env_or("CHRONICLE_AUDITOR_EVENTS_DB", app::local_auditor_events_db);
}
std::string auditor_state_db() {
  return env_or("CHRONICLE_AUDITOR_STATE_DB", app::local_auditor_state_db);
}

pid_t spawn_logged(std::vector<std::string> args, const std::string& log_path) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0);
    ::dup2(log, 1);
    ::dup2(log, 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

std::string unique_suffix() {
  std::random_device device;
  return std::to_string(::getpid()) + "-" + std::to_string(device() % 1'000'000'000);
}

node_process::node_process(std::uint16_t port, std::vector<std::string> extra_args)
    : port_{port}, log_path_{"/tmp/chronicled-test-" + std::to_string(port) + ".log"} {
  const std::string binary = env_or("CHRONICLED", "build/bin/chronicled");
  std::vector<std::string> args{binary, "--http-port", std::to_string(port)};
  const auto has = [&](const char* option) {
    return std::find(extra_args.begin(), extra_args.end(), option) != extra_args.end();
  };
  // A node serving HTTPS is asked for its health over TLS, trusting its own certificate.
  std::string tls_ca;
  if (const auto cert = std::find(extra_args.begin(), extra_args.end(), "--tls-cert");
      cert != extra_args.end() && cert + 1 != extra_args.end()) {
    tls_ca = *(cert + 1);
  }
  if (!has("--insecure-dev") && !has("--api-keys")) {
    args.insert(args.end(), {"--api-keys", keys().file});
  }
  // The node has a name of its own, and only an answer with that name counts as started: a
  // process left on the port by another run is never taken for this node.
  std::string node_id = "test-" + unique_suffix();
  if (const auto given = std::find(extra_args.begin(), extra_args.end(), "--node-id");
      given != extra_args.end() && given + 1 != extra_args.end()) {
    node_id = *(given + 1);
  } else {
    args.insert(args.end(), {"--node-id", node_id});
  }
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = spawn_logged(std::move(args), log_path_);
  const auto deadline = std::chrono::steady_clock::now() + start_timeout;
  while (pid_ > 0 && std::chrono::steady_clock::now() < deadline) {
    if (exited(pid_)) {
      pid_ = -1;
      return;
    }
    const auto health = tls_ca.empty()
                            ? http_request(port_, "GET", "/health", "", {}, 1000)
                            : https_request(port_, {tls_ca}, "GET", "/health", "", {}, 1000);
    const auto body = health.json();
    if (health.status == 200 && body.is_object() && body.value("node_id", "") == node_id) {
      started_ = true;
      return;
    }
    std::this_thread::sleep_for(poll_interval);
  }
}

node_process::~node_process() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + stop_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (exited(pid_)) return;
    std::this_thread::sleep_for(poll_interval);
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
}

int stack_command(const std::string& subcommand) {
  const std::string script = env_or("CHRONICLE_STACK", "infra/local/stack.sh");
  const std::string command = "bash '" + script + "' " + subcommand + " >/dev/null";
  return std::system(command.c_str());
}

}  // namespace chronicle::testing
