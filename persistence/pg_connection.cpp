#include "persistence/pg_connection.hpp"

#include <pqxx/nontransaction>

namespace chronicle::persistence {
namespace {

constexpr const char* session_setup = "SET TIME ZONE 'UTC'; SET statement_timeout = 5000";

}  // namespace

pg_connection::pg_connection(std::string connection_string)
    : connection_string_{std::move(connection_string)} {}

pqxx::connection& pg_connection::get() {
  if (!connection_ || !connection_->is_open()) {
    connection_.reset();
    auto conn = std::make_unique<pqxx::connection>(connection_string_);
    pqxx::nontransaction setup{*conn};
    setup.exec(session_setup);
    setup.commit();
    connection_ = std::move(conn);
  }
  return *connection_;
}

std::string values_clause(std::size_t rows, std::size_t width, const char* const* casts) {
  std::string sql;
  std::size_t n = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    sql += r == 0 ? "(" : ",(";
    for (std::size_t c = 0; c < width; ++c) {
      if (c != 0) sql += ',';
      sql += '$' + std::to_string(++n);
      if (casts != nullptr) sql += casts[c];
    }
    sql += ')';
  }
  return sql;
}

}  // namespace chronicle::persistence
