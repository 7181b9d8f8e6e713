#include "actors/messages.hpp"

#include <nlohmann/json.hpp>

namespace chronicle::actors {

std::string encode_stored_reply(const command_reply& reply) {
  nlohmann::json j;
  if (reply.status == command_status::accepted) {
    j = {{"status", "accepted"},
         {"event_id", reply.event_id},
         {"version", reply.version},
         {"balance", reply.balance},
         {"currency", reply.currency}};
  } else {
    j = {{"status", "rejected"},
         {"code", domain::rejection_name(reply.code)},
         {"message", reply.message}};
  }
  return j.dump();
}

command_reply decode_stored_reply(const std::string& json_text) {
  command_reply reply;
  const auto j = nlohmann::json::parse(json_text, nullptr, false);
  if (!j.is_object()) {
    reply.message = "stored idempotency record is unreadable";
    return reply;  // status failed
  }
  if (j.value("status", "") == "accepted") {
    reply.status = command_status::accepted;
    reply.event_id = j.value("event_id", "");
    reply.version = j.value("version", std::int64_t{0});
    reply.balance = j.value("balance", "");
    reply.currency = j.value("currency", "");
    return reply;
  }
  const auto code = domain::rejection_from_name(j.value("code", ""));
  if (!code) {
    reply.message = "stored idempotency record has an unknown code";
    return reply;
  }
  reply.status = command_status::rejected;
  reply.code = *code;
  reply.message = j.value("message", "");
  return reply;
}

query_status to_query_status(persistence::store_error error) {
  return error == persistence::store_error::unavailable ? query_status::unavailable
                                                        : query_status::failed;
}

}  // namespace chronicle::actors
