#include "persistence/privileges.hpp"

#include <algorithm>
#include <pqxx/pqxx>

#include "persistence/pg_connection.hpp"

namespace chronicle::persistence {
namespace {

const std::vector<std::string> read_models{
    "account_balance", "transactions",           "timeline",
    "transfers",       "projection_checkpoints", "projection_status"};
const std::vector<std::string> history{"events", "commands", "snapshots", "hold_revocations"};
const std::vector<std::string> rewrite{"UPDATE", "DELETE", "TRUNCATE"};
const std::vector<std::string> any_write{"INSERT", "UPDATE", "DELETE", "TRUNCATE"};

struct probe {
  std::string table;
  std::string privilege;
  bool wanted;  // needed (true) or forbidden (false)
};

std::vector<probe> probes_of(const role_requirements& r) {
  std::vector<probe> out;
  for (const auto& [list, wanted] : {std::pair{&r.needed, true}, std::pair{&r.forbidden, false}}) {
    for (const auto& set : *list) {
      for (const auto& table : set.tables) {
        for (const auto& privilege : set.privileges) out.push_back({table, privilege, wanted});
      }
    }
  }
  return out;
}

}  // namespace

role_requirements application_on_events() {
  return {{{history, {"SELECT", "INSERT"}}, {{"outbox"}, {"SELECT", "INSERT", "UPDATE", "DELETE"}}},
          {{history, rewrite}}};
}

role_requirements application_on_read_models() {
  return {{{read_models, {"SELECT"}}}, {}};
}

role_requirements projector_on_events() {
  return {{{{"events"}, {"SELECT"}}}, {{history, any_write}}};
}

role_requirements projector_on_read_models() {
  return {{{read_models, {"SELECT", "INSERT", "UPDATE", "DELETE"}}}, {}};
}

result<privilege_check, store_error> check_privileges(const std::string& connection_string,
                                                      const role_requirements& requirements) {
  pg_connection db{connection_string};
  const auto probes = probes_of(requirements);
  return db.guarded<privilege_check>("privilege check", [&] {
    pqxx::read_transaction txn{db.get()};
    privilege_check out;
    out.role = db.role();
    // Our own table and privilege names, quoted all the same.
    std::string values;
    for (std::size_t i = 0; i < probes.size(); ++i) {
      values += (i == 0 ? "(" : ",(") + std::to_string(i) + "," + txn.quote(probes[i].table) + "," +
                txn.quote(probes[i].privilege) + ")";
    }
    if (values.empty()) return out;
    const auto rows = txn.exec("SELECT i, has_table_privilege(t, p) FROM (VALUES " + values +
                               ") AS v(i, t, p) ORDER BY i");
    // One problem per privilege, naming every table it concerns.
    std::vector<std::pair<std::string, std::string>> grouped;  // (what, tables)
    for (const auto& row : rows) {
      const auto i = row[0].as<std::size_t>();
      if (i >= probes.size() || row[1].as<bool>() == probes[i].wanted) continue;
      const std::string what = probes[i].wanted ? "lacks " + probes[i].privilege + " on "
                                                : "may " + probes[i].privilege + " ";
      auto group = std::find_if(grouped.begin(), grouped.end(),
                                [&](const auto& g) { return g.first == what; });
      if (group == grouped.end()) {
        grouped.emplace_back(what, probes[i].table);
      } else {
        group->second += ", " + probes[i].table;
      }
    }
    for (const auto& [what, tables] : grouped) out.problems.push_back(what + tables);
    return out;
  });
}

}  // namespace chronicle::persistence
