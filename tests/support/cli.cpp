#include "tests/support/cli.hpp"

#include <sys/wait.h>

#include <cstdio>

#include "tests/support/node_process.hpp"

namespace chronicle::testing {

cli_output run_command(const std::string& command) {
  cli_output out;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out.output += buffer;
  const int status = ::pclose(pipe);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

cli_output run_cli(const std::string& args) {
  return run_command(env_or("CHRONICLE_CLI", "build/bin/chronicle") + " " + args);
}

}  // namespace chronicle::testing
