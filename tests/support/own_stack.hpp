#pragma once

// Databases and a NATS server of a test's own, so that what it writes (grown stores, deleted
// stream messages) never reaches the ledger `make run` serves nor another suite's node:
// - own_databases: an event store and a read-model database made empty by the local stack's
//   script (`stack.sh fresh-db`, as the stack's superuser), migrated as the owner role, and
//   the connection strings a node's roles use on them.
// - own_nats: a `nats-server -js` on a port of the test's own, with a fresh store, stopped by
//   PID when destroyed.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace chronicle::testing {

class own_databases {
 public:
  // Makes `<prefix>_events` and `<prefix>_state` empty and migrates them; ok() says
  // whether that worked.
  explicit own_databases(const std::string& prefix);

  bool ok() const { return ok_; }
  const std::string& events_admin() const { return events_admin_; }
  const std::string& state_admin() const { return state_admin_; }
  const std::string& events_app() const { return events_app_; }
  const std::string& state_app() const { return state_app_; }
  const std::string& events_projector() const { return events_projector_; }
  const std::string& state_projector() const { return state_projector_; }

  // chronicled's options naming these databases, every role's.
  std::vector<std::string> node_args() const;

 private:
  bool ok_ = false;
  std::string events_admin_, state_admin_, events_app_, state_app_, events_projector_,
      state_projector_;
};

class own_nats {
 public:
  explicit own_nats(std::uint16_t port);
  ~own_nats();
  own_nats(const own_nats&) = delete;
  own_nats& operator=(const own_nats&) = delete;

  // Whether the server accepted connections within the start-up bound.
  bool started() const { return started_; }
  std::string url() const;

 private:
  std::uint16_t port_;
  pid_t pid_ = -1;
  bool started_ = false;
  std::string dir_;
};

}  // namespace chronicle::testing
