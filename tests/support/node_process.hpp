#pragma once

// Starts a real `chronicled` (the binary named by $CHRONICLED) against the
// test suites' databases and stream named by the CHRONICLE_* environment that `make test`
// exports (`stack.sh env --tests`),
// waits until its /health answers with the node's own id (over TLS, trusting the node's
// certificate, when it is given --tls-cert), and stops it by PID when destroyed. The id is a
// fresh one unless --node-id is given, so a process left on the port by another run is
// never taken for this node.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace chronicle::testing {

// A variable from the environment, or `fallback` when unset.
std::string env_or(const char* name, const std::string& fallback);

// The test suites' connection strings, one per database role and database, their NATS and
// their stream, as `make test` exports them (`stack.sh env --tests`). The suites keep to
// databases and a stream of their own: when any of these variables is missing, or names what
// `make run` serves (the databases chronicle_events and chronicle_state, the stream LEDGER),
// the test program stops at once, saying how to run it.
std::string events_db();            // application
std::string state_db();             // application (read only)
std::string admin_db();             // owner
std::string state_admin_db();       // owner
std::string projector_events_db();  // read-model writer (reads events)
std::string projector_state_db();   // read-model writer
std::string auditor_events_db();    // auditor (read only)
std::string auditor_state_db();     // auditor (read only)
std::string nats_url();
std::string stream_name();
// Checks all of the above (node_process and run_cli do: their programs read them too).
void require_test_stack();

// The value of `dbname` in a keyword/value connection string; empty when it has none.
std::string database_name(const std::string& connection_string);

// Starts `args` (args[0] is looked up on PATH unless it holds a '/') with stdin from
// /dev/null and stdout and stderr written to `log_path`; answers its PID (-1 when fork
// failed). The caller stops it by that PID.
pid_t spawn_logged(std::vector<std::string> args, const std::string& log_path);

// A unique-enough suffix so that runs against the same database never collide.
std::string unique_suffix();

class node_process {
 public:
  explicit node_process(std::uint16_t port, std::vector<std::string> extra_args = {});
  ~node_process();
  node_process(const node_process&) = delete;
  node_process& operator=(const node_process&) = delete;

  std::uint16_t port() const { return port_; }
  // Whether the node answered /health within the start-up bound.
  bool started() const { return started_; }
  const std::string& log_path() const { return log_path_; }
  // Stops the node with SIGSTOP or SIGCONT (a node that hangs), or kills it with SIGKILL and
  // reaps it (a node that crashes: no shutdown runs, nothing is flushed or deleted).
  void pause();
  void resume();
  void kill_hard();

  // Sends SIGTERM and waits up to `timeout_ms` for the node to exit: its exit status, or -1
  // when it did not exit in time (then it is killed) or ended by a signal.
  int terminate(int timeout_ms);
  // SIGKILL, as a crash: the node gets no chance to clean up.
  void kill_now();

 private:
  std::uint16_t port_;
  pid_t pid_ = -1;
  bool started_ = false;
  std::string log_path_;
};

// Runs the local stack's script (infra/local/stack.sh) with one subcommand,
// e.g. "pg-stop"; returns its exit status.
int stack_command(const std::string& subcommand);

}  // namespace chronicle::testing
