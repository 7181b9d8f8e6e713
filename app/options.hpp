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

// Where `make stack` puts the local stack (infra/local/stack.sh says the same).
inline constexpr const char* local_events_db =
    "host=127.0.0.1 port=55432 dbname=chronicle_events user=chronicle_app "
    "password=chronicle_app connect_timeout=2";
inline constexpr const char* local_admin_db =
    "host=127.0.0.1 port=55432 dbname=chronicle_events user=chronicle_owner "
    "password=chronicle_owner connect_timeout=2";
inline constexpr const char* local_state_db =
    "host=127.0.0.1 port=55432 dbname=chronicle_state user=chronicle_app "
    "password=chronicle_app connect_timeout=2";
inline constexpr const char* local_state_admin_db =
    "host=127.0.0.1 port=55432 dbname=chronicle_state user=chronicle_owner "
    "password=chronicle_owner connect_timeout=2";
inline constexpr const char* local_nats = "nats://127.0.0.1:44222";

struct option_spec {
  std::string name;  // without the leading dashes
  std::string env;   // the environment variable, e.g. CHRONICLE_HTTP_PORT
  std::string default_value;
  std::string help;
  // A flag takes no value: "--name" alone sets it to "true" (enabled() says so).
  bool flag = false;
};

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
