#include "tests/support/node_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string_view>
#include <thread>

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

std::string database_name(const std::string& connection_string) {
  constexpr std::string_view key = "dbname=";
  for (std::size_t at = connection_string.find(key); at != std::string::npos;
       at = connection_string.find(key, at + 1)) {
    if (at != 0 && connection_string[at - 1] != ' ') continue;
    const auto begin = at + key.size();
    const auto end = connection_string.find(' ', begin);
    return connection_string.substr(begin, end == std::string::npos ? end : end - begin);
  }
  return {};
}

namespace {

// What `make run` serves (infra/local/stack.sh): no suite may touch it.
constexpr std::string_view run_databases[] = {"chronicle_events", "chronicle_state"};
constexpr std::string_view run_stream = "LEDGER";

[[noreturn]] void refuse(const std::string& why) {
  std::fprintf(stderr,
               "tests: %s. The suites keep to databases and a NATS stream of their own; run "
               "them with the environment of\n  eval \"$(bash infra/local/stack.sh env --tests "
               "--export)\"\n(`make test` exports it).\n",
               why.c_str());
  std::exit(2);
}

std::string required(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') refuse(std::string{name} + " is not set");
  return value;
}

std::string test_db(const char* name) {
  auto value = required(name);
  const auto db = database_name(value);
  if (db.empty()) refuse(std::string{name} + " names no dbname");
  for (const auto run : run_databases) {
    if (db == run) refuse(std::string{name} + " names " + db + ", which `make run` serves");
  }
  return value;
}

}  // namespace

std::string events_db() {
  return test_db("CHRONICLE_EVENTS_DB");
}
std::string admin_db() {
  return test_db("CHRONICLE_ADMIN_DB");
}
std::string state_db() {
  return test_db("CHRONICLE_STATE_DB");
}
std::string state_admin_db() {
  return test_db("CHRONICLE_STATE_ADMIN_DB");
}
std::string projector_events_db() {
  return test_db("CHRONICLE_PROJECTOR_EVENTS_DB");
}
std::string projector_state_db() {
  return test_db("CHRONICLE_PROJECTOR_STATE_DB");
}
std::string auditor_events_db() {
  return test_db("CHRONICLE_AUDITOR_EVENTS_DB");
}
std::string auditor_state_db() {
  return test_db("CHRONICLE_AUDITOR_STATE_DB");
}
std::string nats_url() {
  return required("CHRONICLE_NATS");
}
std::string stream_name() {
  auto stream = required("CHRONICLE_STREAM");
  if (stream == run_stream) refuse("CHRONICLE_STREAM is " + stream + ", which `make run` uses");
  return stream;
}

void require_test_stack() {
  for (const auto& get :
       {events_db, admin_db, state_db, state_admin_db, projector_events_db, projector_state_db,
        auditor_events_db, auditor_state_db, nats_url, stream_name}) {
    get();
  }
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
  require_test_stack();
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

void node_process::pause() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void node_process::resume() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

void node_process::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
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

int node_process::terminate(int timeout_ms) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds{timeout_ms};
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(poll_interval);
  }
  kill_now();
  return -1;
}

void node_process::kill_now() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

int stack_command(const std::string& subcommand) {
  const std::string script = env_or("CHRONICLE_STACK", "infra/local/stack.sh");
  const std::string command = "bash '" + script + "' " + subcommand + " >/dev/null";
  return std::system(command.c_str());
}

}  // namespace chronicle::testing
