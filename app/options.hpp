#pragma once

// Command-line options for the ledger's programs. Each option can also come
// from an environment variable; the command line wins, then the environment,
// then the default. Values are "--name value" or "--name=value"; a flag is
// "--name" alone.

#include <string>
#include <string_view>
#include <vector>

#include "domain/result.hpp"

namespace chronicle::app {

// Where `make stack` puts the local stack (infra/local/stack.sh says the same):
// one connection string per database role and database (docs/SECURITY.md,
// "Database roles"). The passwords are the local stack's, for development only.
// The application (the nodes' commands and queries).
inline constexpr const char* local_events_db =
    "host=127.0.0.1 port=55432 dbname=chronicle_events user=chronicle_app "
    "password=app-local-3Wd8nL connect_timeout=2";
inline constexpr const char* local_state_db =
    "host=127.0.0.1 port=55432 dbname=chronicle_state user=chronicle_app "
    "password=app-local-3Wd8nL connect_timeout=2";
// The migration owner (`chronicle migrate`, nodes at start).
inline constexpr const char* local_admin_db =
    "host=127.0.0.1 port=55432 dbname=chronicle_events user=chronicle_owner "
    "password=owner-local-7Rk2vQ connect_timeout=2";
inline constexpr const char* local_state_admin_db =
    "host=127.0.0.1 port=55432 dbname=chronicle_state user=chronicle_owner "
    "password=owner-local-7Rk2vQ connect_timeout=2";
// The read-model writer (the projections, `chronicle replay`).
inline constexpr const char* local_projector_events_db =
    "host=127.0.0.1 port=55432 dbname=chronicle_events user=chronicle_projector "
    "password=projector-local-9Tf4xZ connect_timeout=2";
inline constexpr const char* local_projector_state_db =
    "host=127.0.0.1 port=55432 dbname=chronicle_state user=chronicle_projector "
    "password=projector-local-9Tf4xZ connect_timeout=2";
// The read-only auditor (`chronicle verify`, `chronicle check`).
inline constexpr const char* local_auditor_events_db =
    "host=127.0.0.1 port=55432 dbname=chronicle_events user=chronicle_auditor "
    "password=auditor-local-6Mb1pJ connect_timeout=2";
inline constexpr const char* local_auditor_state_db =
    "host=127.0.0.1 port=55432 dbname=chronicle_state user=chronicle_auditor "
    "password=auditor-local-6Mb1pJ connect_timeout=2";
inline constexpr const char* local_nats = "nats://127.0.0.1:44222";

struct option_spec {
  std::string name;  // without the leading dashes
  std::string env;   // the environment variable, e.g. CHRONICLE_HTTP_PORT
  std::string default_value;
  std::string help;
  // A flag takes no value: "--name" alone sets it to "true" (enabled() says so).
  bool flag = false;
  // A connection string (or URL list): usage() shows its default without secrets.
  bool secret = false;
};

// An option whose value is a connection string or URL list (its secrets are
// never printed).
inline option_spec connection_option(std::string name, std::string env, std::string default_value,
                                     std::string help) {
  option_spec spec{std::move(name), std::move(env), std::move(default_value), std::move(help)};
  spec.secret = true;
  return spec;
}

class options {
 public:
  // Fails with a message on an unknown option or a missing value. `--help`
  // sets help_requested() instead of failing.
  static domain::result<options, std::string> parse(std::vector<option_spec> specs, int argc,
                                                    char** argv, int first = 1);

  const std::string& get(std::string_view name) const;
  // The value as an integer in [low, high], or a message saying what is wrong.
  domain::result<long long, std::string> integer(std::string_view name, long long low,
                                                 long long high) const;
  // Whether a flag was given (or its value is true, yes, on or 1).
  bool enabled(std::string_view name) const;
  bool help_requested() const { return help_; }
  std::string usage() const;

 private:
  std::vector<option_spec> specs_;
  std::vector<std::string> values_;
  bool help_ = false;
};

}  // namespace chronicle::app
