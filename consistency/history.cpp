#include "consistency/history.hpp"

#include <array>
#include <nlohmann/json.hpp>
#include <utility>

namespace chronicle::consistency {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<op_type, std::string_view>, 4> type_names{{
    {op_type::invoke, "invoke"},
    {op_type::ok, "ok"},
    {op_type::fail, "fail"},
    {op_type::info, "info"},
}};

constexpr std::array<std::pair<op_function, std::string_view>, 6> function_names{{
    {op_function::init, "init"},
    {op_function::transfer, "transfer"},
    {op_function::deposit, "deposit"},
    {op_function::withdraw, "withdraw"},
    {op_function::read, "read"},
    {op_function::read_all, "read_all"},
}};

json observation_json(const observation& o) {
  return json{{"account", o.account_id}, {"version", o.version}, {"balance", o.balance}};
}

// The fields an invocation carries (completions repeat them).
void put_invocation(const operation& op, json& v) {
  switch (op.f) {
    case op_function::init: break;
    case op_function::transfer:
      v["key"] = op.key;
      v["from"] = op.from_account_id;
      v["to"] = op.to_account_id;
      v["amount"] = op.amount;
      break;
    case op_function::deposit:
    case op_function::withdraw:
      v["key"] = op.key;
      v["account"] = op.account_id;
      v["amount"] = op.amount;
      break;
    case op_function::read: v["account"] = op.account_id; break;
    case op_function::read_all: v["ids"] = op.accounts; break;
  }
}

void put_observations(const operation& op, json& v) {
  switch (op.f) {
    case op_function::init: {
      json accounts = json::array();
      for (const auto& o : op.observed) {
        accounts.push_back(json{{"account", o.account_id}, {"balance", o.balance}});
      }
      v["currency"] = op.currency;
      v["accounts"] = std::move(accounts);
      return;
    }
    case op_function::transfer:
      if (op.observed.size() == 2) {
        v["from_version"] = op.observed[0].version;
        v["from_balance"] = op.observed[0].balance;
        v["to_version"] = op.observed[1].version;
        v["to_balance"] = op.observed[1].balance;
      }
      return;
    case op_function::deposit:
    case op_function::withdraw:
    case op_function::read:
      if (op.observed.size() == 1) {
        v["version"] = op.observed[0].version;
        v["balance"] = op.observed[0].balance;
      }
      return;
    case op_function::read_all: {
      json accounts = json::array();
      for (const auto& o : op.observed) accounts.push_back(observation_json(o));
      v["accounts"] = std::move(accounts);
      v["missing"] = op.missing;
      return;
    }
  }
}

// Throws nlohmann's exceptions on a wrong shape; decode() turns them into a message.
std::int64_t integer(const json& v, const char* name) {
  return v.at(name).get<std::int64_t>();
}

observation read_observation(const json& v, const char* account, const char* version,
                             const char* balance, const std::string& fallback_id = "") {
  observation o;
  o.account_id = account != nullptr ? v.at(account).get<std::string>() : fallback_id;
  o.version = version != nullptr ? v.value(version, std::int64_t{0}) : 0;
  o.balance = integer(v, balance);
  return o;
}

void read_invocation(const json& v, operation& op) {
  switch (op.f) {
    case op_function::init: break;
    case op_function::transfer:
      op.key = v.at("key").get<std::string>();
      op.from_account_id = v.at("from").get<std::string>();
      op.to_account_id = v.at("to").get<std::string>();
      op.amount = integer(v, "amount");
      break;
    case op_function::deposit:
    case op_function::withdraw:
      op.key = v.at("key").get<std::string>();
      op.account_id = v.at("account").get<std::string>();
      op.amount = integer(v, "amount");
      break;
    case op_function::read: op.account_id = v.at("account").get<std::string>(); break;
    case op_function::read_all: op.accounts = v.at("ids").get<std::vector<std::string>>(); break;
  }
}

void read_observations(const json& v, operation& op) {
  switch (op.f) {
    case op_function::init:
      op.currency = v.at("currency").get<std::string>();
      for (const auto& a : v.at("accounts")) {
        op.observed.push_back(read_observation(a, "account", nullptr, "balance"));
      }
      return;
    case op_function::transfer:
      if (v.contains("from_balance")) {
        op.observed.push_back(
            read_observation(v, nullptr, "from_version", "from_balance", op.from_account_id));
        op.observed.push_back(
            read_observation(v, nullptr, "to_version", "to_balance", op.to_account_id));
      }
      return;
    case op_function::deposit:
    case op_function::withdraw:
    case op_function::read:
      if (v.contains("balance")) {
        op.observed.push_back(read_observation(v, nullptr, "version", "balance", op.account_id));
      }
      return;
    case op_function::read_all:
      for (const auto& a : v.at("accounts")) {
        op.observed.push_back(read_observation(a, "account", "version", "balance"));
      }
      op.missing = v.value("missing", std::vector<std::string>{});
      return;
  }
}

// Where a completion was served, when the bank test recorded it.
void put_route(const operation& op, json& v) {
  if (!op.node.empty()) {
    v["node"] = op.node;
    v["sent"] = op.sent_ns;
  }
  if (op.failed_attempts.empty()) return;
  json failed = json::array();
  for (const auto& a : op.failed_attempts) {
    failed.push_back(json{{"node", a.node}, {"status", a.status}, {"time", a.time_ns}});
  }
  v["failed"] = std::move(failed);
}

void read_route(const json& v, operation& op) {
  op.node = v.value("node", std::string{});
  op.sent_ns = v.value("sent", std::int64_t{0});
  for (const auto& a : v.value("failed", json::array())) {
    op.failed_attempts.push_back(
        {a.at("node").get<std::string>(), a.at("status").get<int>(), integer(a, "time")});
  }
}

}  // namespace

std::string_view type_name(op_type t) {
  for (const auto& [value, name] : type_names) {
    if (value == t) return name;
  }
  return "?";
}

std::string_view function_name(op_function f) {
  for (const auto& [value, name] : function_names) {
    if (value == f) return name;
  }
  return "?";
}

bool is_command(op_function f) {
  return f == op_function::transfer || f == op_function::deposit || f == op_function::withdraw;
}

std::string encode(const operation& op) {
  json v = json::object();
  put_invocation(op, v);
  switch (op.type) {
    case op_type::invoke: break;
    case op_type::ok: put_observations(op, v); break;
    case op_type::fail:
      v["status"] = op.status;
      v["code"] = op.code;
      break;
    case op_type::info:
      v["status"] = op.status;
      v["error"] = op.error;
      break;
  }
  if (op.type != op_type::invoke && op.f != op_function::init) put_route(op, v);
  return json{{"process", op.process},
              {"type", type_name(op.type)},
              {"f", function_name(op.f)},
              {"value", std::move(v)},
              {"time", op.time_ns}}
      .dump();
}

domain::result<operation, std::string> decode(const std::string& line) {
  const auto j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return domain::failure(std::string{"not a JSON object"});
  operation op;
  op.text = line;
  try {
    op.process = j.at("process").get<std::int64_t>();
    op.time_ns = j.at("time").get<std::int64_t>();
    const auto type = j.at("type").get<std::string>();
    const auto f = j.at("f").get<std::string>();
    bool known_type = false, known_f = false;
    for (const auto& [value, name] : type_names) {
      if (name == type) op.type = value, known_type = true;
    }
    for (const auto& [value, name] : function_names) {
      if (name == f) op.f = value, known_f = true;
    }
    if (!known_type) return domain::failure("unknown type '" + type + "'");
    if (!known_f) return domain::failure("unknown f '" + f + "'");
    const auto& v = j.at("value");
    read_invocation(v, op);
    if (op.type == op_type::ok) read_observations(v, op);
    if (op.type == op_type::fail || op.type == op_type::info) {
      op.status = v.value("status", 0);
      op.code = v.value("code", std::string{});
      op.error = v.value("error", std::string{});
    }
    if (op.type != op_type::invoke && op.f != op_function::init) read_route(v, op);
  } catch (const json::exception& e) {
    return domain::failure(std::string{"unexpected shape: "} + e.what());
  }
  return op;
}

}  // namespace chronicle::consistency
