#include "actors/messages.hpp"

#include <nlohmann/json.hpp>

namespace chronicle::actors {

std::string stored_key(const command_request& request) {
  return persistence::client_command_key(request.issued_by, request.idempotency_key);
}

std::string encode_stored_reply(const command_reply& reply) {
  nlohmann::json j;
  if (reply.status == command_status::accepted) {
    j = {{"status", "accepted"},
         {"event_id", reply.event_id},
         {"version", reply.version},
         {"balance", reply.balance},
         {"currency", reply.currency}};
    if (!reply.transfer_id.empty()) {
      j["transfer_id"] = reply.transfer_id;
      j["other_balance"] = reply.other_balance;
      j["events"] = nlohmann::json::array();
      for (const auto& e : reply.events) {
        j["events"].push_back({{"event_id", e.event_id},
                               {"type", e.type},
                               {"account_id", e.account_id},
                               {"version", e.version}});
      }
    }
  } else {
    j = {{"status", "rejected"},
         {"code", domain::rejection_name(reply.code)},
         {"message", reply.message}};
  }
  return j.dump();
}

namespace {

// Throws nlohmann::json::exception when a field has the wrong type.
command_reply decode_stored_object(const nlohmann::json& j) {
  command_reply reply;
  const auto status = j.value("status", "");
  if (status == "accepted") {
    reply.status = command_status::accepted;
    reply.event_id = j.value("event_id", "");
    reply.version = j.value("version", std::int64_t{0});
    reply.balance = j.value("balance", "");
    reply.currency = j.value("currency", "");
    reply.transfer_id = j.value("transfer_id", "");
    reply.other_balance = j.value("other_balance", "");
    for (const auto& e : j.value("events", nlohmann::json::array())) {
      reply.events.push_back(event_ref{e.value("event_id", ""), e.value("type", ""),
                                       e.value("account_id", ""),
                                       e.value("version", std::int64_t{0})});
    }
    return reply;
  }
  const auto code = domain::rejection_from_name(j.value("code", ""));
  if (status != "rejected" || !code) {
    reply.message = "stored idempotency record has an unknown status or code";
    return reply;
  }
  reply.status = command_status::rejected;
  reply.code = *code;
  reply.message = j.value("message", "");
  return reply;
}

}  // namespace

command_reply decode_stored_reply(const std::string& json_text) {
  command_reply reply;
  const auto j = nlohmann::json::parse(json_text, nullptr, false);
  if (!j.is_object()) {
    reply.message = "stored idempotency record is unreadable";
    return reply;  // status failed
  }
  // A field of the wrong type makes json::value() throw; like any unreadable record, that is
  // a failed outcome rather than an exception escaping into the account actor.
  try {
    return decode_stored_object(j);
  } catch (const nlohmann::json::exception&) {
    reply.message = "stored idempotency record has a field of the wrong type";
    return reply;  // status failed
  }
}

query_status to_query_status(persistence::store_error error) {
  return error == persistence::store_error::unavailable ? query_status::unavailable
                                                        : query_status::failed;
}

}  // namespace chronicle::actors
