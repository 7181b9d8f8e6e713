#pragma once

// The history of a bank test: one JSON object per line, written by `chronicle
// bank-test` and read by `chronicle check`. This header is the format's spec.
//
//   {"process": 3, "type": "invoke", "f": "deposit", "time": 1234567,
//    "value": {"key": "…", "account": "bank-x-1", "amount": 250}}
//   {"process": 3, "type": "ok", "f": "deposit", "time": 1299999,
//    "value": {"key": "…", "account": "bank-x-1", "amount": 250, "version": 7,
//              "balance": 100250}}
//
// - process: the client that issued the operation. A client runs one operation
//   at a time, so each "invoke" is followed by that process's completion of it.
//   After an "info" the client continues under a new process number: the old
//   operation may still take effect at any later time.
// - type: "invoke" (sent), "ok" (done, acknowledged), "fail" (definitely not
//   done: the API answered 4xx), "info" (outcome unknown: timeout, connection
//   error, 5xx). The first line is the set-up: type "ok", f "init", process -1.
// - f: "init", "transfer", "deposit", "withdraw", "read" (GET
//   /accounts/:id?consistency=strong) or "read_all" (GET /accounts/snapshot).
// - time: nanoseconds of one monotonic clock, the same for every process.
// - value: amounts and balances are integers in minor units of the currency
//   named by init. Completions repeat the invocation's fields and add:
//     init      {"currency", "accounts": [{"account", "balance"}]}
//     deposit, withdraw  invoke {"key", "account", "amount"}
//                        ok + {"version", "balance"}  (after the command)
//     transfer  invoke {"key", "from", "to", "amount"} (key is also the transfer_id)
//               ok + {"from_version", "from_balance", "to_version", "to_balance"}
//     read      invoke {"account"}; ok + {"version", "balance"}
//     read_all  invoke {"ids": [ids]};
//               ok {"accounts": [{"account", "version", "balance"}], "missing": [ids]}
//     fail + {"status", "code"}; info + {"status" (0: no answer), "error"}
//   A version of 0 means "not reported".
// - Every completion but init's may also say where it was served (the bank test writes
//   these; the checker does not need them):
//     "node": the URL of the node that gave this answer (info: the last one tried),
//     "sent": the time the request that got this answer was sent,
//     "failed": [{"node", "status" (0: no answer), "time" (when it ended)}], the earlier
//               attempts of this operation, same Idempotency-Key, that got no answer or a 5xx.
//   An operation retried this way is still one operation: its invocation is the first
//   attempt's, its completion the last one's.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/result.hpp"

namespace chronicle::consistency {

enum class op_type { invoke, ok, fail, info };
enum class op_function { init, transfer, deposit, withdraw, read, read_all };

std::string_view type_name(op_type t);
std::string_view function_name(op_function f);

// An attempt of an operation that got no answer or a 5xx, before it was retried.
struct failed_attempt {
  std::string node;  // the node's URL
  int status = 0;    // 0: no answer
  std::int64_t time_ns = 0;
};

// One account as an operation saw it: after a command, or in a read.
struct observation {
  std::string account_id;
  std::int64_t version = 0;
  std::int64_t balance = 0;
};

struct operation {
  std::int64_t process = 0;
  op_type type = op_type::invoke;
  op_function f = op_function::read;
  std::int64_t time_ns = 0;

  std::string key;         // commands: the Idempotency-Key (and a transfer's transfer_id)
  std::string account_id;  // deposit, withdraw, read
  std::string from_account_id, to_account_id;  // transfer
  std::int64_t amount = 0;                     // commands, minor units
  std::vector<std::string> accounts;           // read_all: the ids asked for

  // ok: what was observed. deposit, withdraw, read: one; transfer: from, then
  // to; read_all: one per account found; init: the opening balances.
  std::vector<observation> observed;
  std::vector<std::string> missing;  // read_all: ids the store did not know
  std::string currency;              // init

  int status = 0;     // fail, info: the HTTP status (0: no answer)
  std::string code;   // fail: the API's machine code
  std::string error;  // info: what went wrong

  // Completions: where the answer came from (empty when not recorded), when its request was
  // sent, and the attempts that failed before it.
  std::string node;
  std::int64_t sent_ns = 0;
  std::vector<failed_attempt> failed_attempts;

  // Where it was read from: 1-based line and the line's text (empty when built
  // in memory).
  std::size_t line = 0;
  std::string text;
};

bool is_command(op_function f);

// One line of JSON, without the newline.
std::string encode(const operation& op);

// Parses one line; the message says what is wrong with it.
domain::result<operation, std::string> decode(const std::string& line);

}  // namespace chronicle::consistency
