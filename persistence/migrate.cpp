#include "persistence/migrate.hpp"

#include <pqxx/pqxx>

#include "domain/redact.hpp"

namespace chronicle::persistence {
namespace {

constexpr int attempts_max = 5;

bool applied(pqxx::connection& conn, int number) {
  pqxx::work txn{conn};
  const auto rows = txn.exec_params("SELECT 1 FROM schema_migrations WHERE version = $1", number);
  return !rows.empty();
}

}  // namespace

domain::result<int, std::string> migrate(const std::string& owner_connection,
                                         const std::vector<migration>& all) {
  try {
    pqxx::connection conn{owner_connection};
    {
      pqxx::work txn{conn};
      txn.exec(
          "CREATE TABLE IF NOT EXISTS schema_migrations ("
          " version INT PRIMARY KEY, name TEXT NOT NULL,"
          " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
      txn.commit();
    }
    int count = 0;
    for (const auto& m : all) {
      for (int attempt = 1;; ++attempt) {
        try {
          if (applied(conn, m.number)) break;
          pqxx::work txn{conn};
          txn.exec(m.sql);
          txn.exec_params("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.number,
                          m.name);
          txn.commit();
          ++count;
          break;
        } catch (const pqxx::sql_error&) {
          // Another node may be applying the same migration; look again.
          if (attempt == attempts_max) throw;
        } catch (const pqxx::transaction_rollback&) {
          if (attempt == attempts_max) throw;
        }
      }
    }
    return count;
  } catch (const std::exception& e) {
    auto message = domain::redact_secrets(e.what(), {owner_connection});
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
      message.pop_back();
    }
    return domain::failure("migration failed (" +
                           domain::redact_connection_string(owner_connection) + "): " + message);
  }
}

}  // namespace chronicle::persistence
