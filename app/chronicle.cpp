// chronicle: the operator's command-line tool. Wiring only.

#include <cstdio>
#include <string>

#include "app/cli/command.hpp"

namespace {

constexpr const char* overview =
    "chronicle: ChronicleLedger's operator tool.\n\n"
    "Commands:\n"
    "  migrate   apply the event store's and read models' migrations (idempotent)\n"
    "  verify    check hash chains, versions, snapshots and read models; exit 1 on any\n"
    "            mismatch\n"
    "  replay    rebuild read models from the event store and swap them in\n"
    "  bank-test drive a node with concurrent transfers, deposits, withdrawals and strong\n"
    "            reads, recording every operation in a history file\n"
    "  check     check a bank-test history against the event store; exit 1 on any violation\n"
    "  keys      create, list and revoke API keys\n"
    "  simulate  drive nodes with a workload (closed or open loop) and report throughput,\n"
    "            errors, latency percentiles and projection lag\n"
    "\n"
    "Run 'chronicle COMMAND --help' for a command's options.\n";

}  // namespace

int main(int argc, char** argv) {
  namespace cli = chronicle::app::cli;
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "migrate") return cli::migrate(argc, argv);
  if (command == "verify") return cli::verify(argc, argv);
  if (command == "replay") return cli::replay(argc, argv);
  if (command == "bank-test") return cli::bank_test(argc, argv);
  if (command == "check") return cli::check(argc, argv);
  if (command == "keys") return cli::keys(argc, argv);
  if (command == "simulate") return cli::simulate(argc, argv);
  if (command.empty() || command == "help" || command == "--help") {
    std::printf("%s", overview);
    return command.empty() ? 2 : 0;
  }
  std::fprintf(stderr, "chronicle: unknown command '%s'\n\n%s", command.c_str(), overview);
  return 2;
}
