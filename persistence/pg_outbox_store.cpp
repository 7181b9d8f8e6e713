#include "persistence/pg_outbox_store.hpp"

#include <algorithm>
#include <pqxx/pqxx>

#include "persistence/pg_event_rows.hpp"
#include "persistence/pg_statements.hpp"

namespace chronicle::persistence {

pg_outbox_store::pg_outbox_store(std::string connection_string)
    : db_{std::move(connection_string)} {}

result<std::vector<domain::event>, store_error> pg_outbox_store::pending(std::size_t limit) {
  using events = std::vector<domain::event>;
  limit = std::min(limit, outbox_batch_max);
  if (limit == 0) return events{};
  return db_.guarded<events>("outbox pending", [&]() -> result<events, store_error> {
    pqxx::read_transaction txn{db_.get()};
    const auto rows = txn.exec_params(sql::outbox_pending(), static_cast<std::int64_t>(limit));
    events out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
      auto decoded = decode_event_row(row);
      if (!decoded) {
        std::fprintf(stderr, "outbox: event %s: %s\n", row[2].c_str(), decoded.error().c_str());
        return failure(store_error::corrupt);
      }
      out.push_back(std::move(*decoded));
    }
    return out;
  });
}

result<done, store_error> pg_outbox_store::remove(const std::vector<std::string>& event_ids) {
  if (event_ids.empty()) return done{};
  if (event_ids.size() > outbox_batch_max) return failure(store_error::failed);
  return db_.guarded<done>("outbox remove", [&] {
    pqxx::work txn{db_.get()};
    // Untyped parameters take the column's type (UUID) from the comparison.
    txn.exec_params(sql::outbox_remove(event_ids.size()),
                    pqxx::prepare::make_dynamic_params(event_ids));
    txn.commit();
    return done{};
  });
}

}  // namespace chronicle::persistence
