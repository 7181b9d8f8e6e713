#include "persistence/pg_event_rows.hpp"

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "domain/event_codec.hpp"

namespace chronicle::persistence {

domain::result<domain::event, std::string> decode_event_row(const pqxx::row& row) {
  domain::event e;
  e.account_id = row[0].as<std::string>();
  e.version = row[1].as<std::int64_t>();
  e.event_id = row[2].as<std::string>();
  e.schema_version = row[4].as<int>();
  e.command_id = row[6].as<std::string>();
  e.prev_hash = row[8].as<std::string>();
  e.hash = row[9].as<std::string>();
  e.issued_by = row[10].as<std::string>();
  const auto at = domain::parse_instant(row[7].c_str());
  if (!at) return domain::failure("bad occurred_at '" + row[7].as<std::string>() + "'");
  e.occurred_at = *at;
  return domain::decode_event(std::move(e), row[3].as<std::string>(),
                              nlohmann::json::parse(row[5].c_str(), nullptr, false));
}

}  // namespace chronicle::persistence
