#include "persistence/pg_read_models.hpp"

#include <algorithm>
#include <pqxx/pqxx>
#include <set>

#include "domain/event_codec.hpp"
#include "domain/money.hpp"
#include "persistence/pg_statements.hpp"

namespace chronicle::persistence {
namespace {

// PostgreSQL allows 65535 parameters per statement; stay well below.
constexpr std::size_t statement_params_max = 30'000;

using params = std::vector<std::string>;

// Runs "prefix VALUES (...),(...) suffix" in chunks of rows that fit the
// parameter limit. `values` holds `width` parameters per row.
void insert_rows(pqxx::work& txn, const std::string& prefix, std::size_t width,
                 const char* const* casts, const params& values, const std::string& suffix = "") {
  const std::size_t rows_per_statement = statement_params_max / width;
  const std::size_t rows = values.size() / width;
  for (std::size_t first = 0; first < rows; first += rows_per_statement) {
    const std::size_t count = std::min(rows_per_statement, rows - first);
    const params chunk(values.begin() + static_cast<std::ptrdiff_t>(first * width),
                       values.begin() + static_cast<std::ptrdiff_t>((first + count) * width));
    txn.exec_params(prefix + " VALUES " + values_clause(count, width, casts) + " " + suffix,
                    pqxx::prepare::make_dynamic_params(chunk));
  }
}

domain::micros instant(const pqxx::field& f) {
  return domain::parse_instant(f.c_str()).value_or(0);
}

domain::account_state balance_from(const pqxx::row& row) {
  domain::account_state s;
  s.account_id = row[0].as<std::string>();
  s.owner_name = row[1].as<std::string>();
  s.currency = row[2].as<std::string>();
  s.balance = row[3].as<std::int64_t>();
  s.version = row[4].as<std::int64_t>();
  s.status = std::string_view{row[5].c_str()} == domain::status_name(domain::account_status::closed)
                 ? domain::account_status::closed
                 : domain::account_status::open;
  s.last_hash = row[6].as<std::string>();
  s.created_at = instant(row[7]);
  s.updated_at = instant(row[8]);
  return s;
}

// A row selected as: event_id, account_id, version, type, amount, balance_after,
// currency, description, occurred_at, transfer_id, counterparty.
transaction_row transaction_from(const pqxx::row& row) {
  return transaction_row{
      row[0].as<std::string>(), row[1].as<std::string>(),  row[2].as<std::int64_t>(),
      row[3].as<std::string>(), row[4].as<std::int64_t>(), row[5].as<std::int64_t>(),
      row[6].as<std::string>(), row[7].as<std::string>(),  instant(row[8]),
      row[9].as<std::string>(), row[10].as<std::string>()};
}

void write_rows(pqxx::work& txn, const projected_rows& rows, const read_model_tables& t) {
  params values;
  for (const auto& s : rows.balances) {
    values.insert(
        values.end(),
        {s.account_id, s.owner_name, s.currency, std::to_string(s.balance),
         std::to_string(s.version), std::string{domain::status_name(s.status)}, s.last_hash,
         domain::format_instant(s.created_at), domain::format_instant(s.updated_at)});
  }
  const char* balance_casts[] = {
      "", "", "", "::BIGINT", "::BIGINT", "", "", "::TIMESTAMPTZ", "::TIMESTAMPTZ"};
  insert_rows(txn,
              "INSERT INTO " + t.balances + " (" +
                  "account_id, owner_name, currency, balance, version, status, last_hash,"
                  " created_at, last_updated)",
              9, balance_casts, values,
              "ON CONFLICT (account_id) DO UPDATE SET owner_name = EXCLUDED.owner_name,"
              " currency = EXCLUDED.currency, balance = EXCLUDED.balance,"
              " version = EXCLUDED.version, status = EXCLUDED.status,"
              " last_hash = EXCLUDED.last_hash, last_updated = EXCLUDED.last_updated");
  values.clear();
  for (const auto& r : rows.transactions) {
    values.insert(values.end(), {r.event_id, r.account_id, std::to_string(r.version), r.type,
                                 std::to_string(r.amount), std::to_string(r.balance_after),
                                 r.currency, r.description, domain::format_instant(r.occurred_at),
                                 r.transfer_id, r.counterparty});
  }
  // transfer_id and counterparty are '' for movements that are not transfers.
  const char* tx_casts[] = {"::UUID", "", "::BIGINT",      "", "::BIGINT", "::BIGINT",
                            "",       "", "::TIMESTAMPTZ", "", ""};
  insert_rows(txn,
              "INSERT INTO " + t.transactions +
                  " (event_id, account_id, version, type, amount, balance_after, currency,"
                  " description, occurred_at, transfer_id, counterparty)",
              11, tx_casts, values);
  values.clear();
  for (const auto& r : rows.transfers) {
    values.insert(values.end(),
                  {r.transfer_id, r.from_account_id, r.to_account_id, std::to_string(r.amount),
                   r.currency, r.description, "completed", domain::format_instant(r.occurred_at)});
  }
  const char* transfer_casts[] = {"", "", "", "::BIGINT", "", "", "", "::TIMESTAMPTZ"};
  insert_rows(txn,
              "INSERT INTO " + t.transfers +
                  " (transfer_id, from_account_id, to_account_id, amount, currency, description,"
                  " status, occurred_at)",
              8, transfer_casts, values);
  values.clear();
  for (const auto& r : rows.timeline) {
    values.insert(values.end(), {r.event_id, r.account_id, std::to_string(r.version), r.type,
                                 std::to_string(r.schema_version),
                                 domain::format_instant(r.occurred_at), r.data, r.hash});
  }
  const char* timeline_casts[] = {"::UUID",        "",        "::BIGINT", "", "::INT",
                                  "::TIMESTAMPTZ", "::JSONB", ""};
  insert_rows(txn,
              "INSERT INTO " + t.timeline +
                  " (event_id, account_id, version, type, schema_version, occurred_at, data,"
                  " hash)",
              8, timeline_casts, values);
  values.clear();
  for (const auto& [key, version] : rows.checkpoints) {
    values.insert(values.end(),
                  {std::string{projection_name(key.first)}, key.second, std::to_string(version)});
  }
  const char* cp_casts[] = {"", "", "::BIGINT"};
  insert_rows(txn, "INSERT INTO " + t.checkpoints + " (projection, account_id, version)", 3,
              cp_casts, values,
              "ON CONFLICT (projection, account_id) DO UPDATE SET version = EXCLUDED.version");
  values.clear();
  for (const auto& [which, count] : rows.applied) {
    values.insert(values.end(),
                  {std::string{projection_name(which)},
                   domain::format_instant(rows.newest.at(which)), std::to_string(count)});
  }
  const char* status_casts[] = {"", "::TIMESTAMPTZ", "::BIGINT"};
  insert_rows(txn,
              "INSERT INTO " + t.status +
                  " (projection, last_event_at, last_applied_at, events_applied) SELECT"
                  " v.p, v.t, now(), v.n FROM (",
              3, status_casts, values,
              ") AS v(p, t, n) ON CONFLICT (projection) DO UPDATE SET"
              " last_event_at = GREATEST(" +
                  t.status +
                  ".last_event_at, EXCLUDED.last_event_at),"
                  " last_applied_at = now(),"
                  " events_applied = " +
                  t.status + ".events_applied + EXCLUDED.events_applied");
}

}  // namespace

pg_read_models::pg_read_models(std::string connection_string) : db_{std::move(connection_string)} {}

result<std::map<std::string, std::int64_t>, store_error> pg_read_models::checkpoints(
    const std::vector<std::string>& account_ids) {
  using out_t = std::map<std::string, std::int64_t>;
  if (account_ids.empty()) return out_t{};
  return db_.guarded<out_t>("checkpoints", [&] {
    pqxx::read_transaction txn{db_.get()};
    const auto rows = txn.exec_params(sql::checkpoints(account_ids.size()),
                                      pqxx::prepare::make_dynamic_params(account_ids));
    out_t out;
    for (const auto& id : account_ids) out[id] = 0;
    for (const auto& row : rows) out[row[0].as<std::string>()] = row[1].as<std::int64_t>();
    return out;
  });
}

result<std::size_t, store_error> pg_read_models::apply(const std::vector<domain::event>& events) {
  return apply_to(events, {all_projections.begin(), all_projections.end()}, read_model_tables{});
}

result<std::size_t, store_error> pg_read_models::apply_to(const std::vector<domain::event>& events,
                                                          const std::vector<projection>& selected,
                                                          const read_model_tables& t) {
  if (events.empty()) return std::size_t{0};
  return db_.guarded<std::size_t>("apply", [&]() -> result<std::size_t, store_error> {
    std::vector<std::string> ids;
    for (const auto& e : events) {
      if (ids.empty() || ids.back() != e.account_id) ids.push_back(e.account_id);
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    pqxx::work txn{db_.get()};
    // Make sure every checkpoint row exists, then lock them: concurrent appliers
    // of the same accounts take turns here.
    params cp_values;
    for (const auto p : selected) {
      for (const auto& id : ids)
        cp_values.insert(cp_values.end(), {std::string{projection_name(p)}, id, "0"});
    }
    const char* cp_casts[] = {"", "", "::BIGINT"};
    insert_rows(txn, "INSERT INTO " + t.checkpoints + " (projection, account_id, version)", 3,
                cp_casts, cp_values, "ON CONFLICT DO NOTHING");
    projection_inputs inputs;
    for (const auto& row : txn.exec_params(sql::lock_checkpoints(t.checkpoints, ids.size()),
                                           pqxx::prepare::make_dynamic_params(ids))) {
      if (const auto p = projection_from_name(row[0].c_str())) {
        inputs.checkpoints[{*p, row[1].as<std::string>()}] = row[2].as<std::int64_t>();
      }
    }
    for (const auto& row : txn.exec_params(sql::balances_of(t.balances, ids.size()),
                                           pqxx::prepare::make_dynamic_params(ids))) {
      auto s = balance_from(row);
      inputs.balances[s.account_id] = std::move(s);
    }
    params at_checkpoint;
    for (const auto& id : ids) {
      at_checkpoint.insert(
          at_checkpoint.end(),
          {id, std::to_string(inputs.checkpoints[{projection::transactions, id}])});
    }
    for (const auto& row : txn.exec_params(sql::balances_after(t.transactions, ids.size()),
                                           pqxx::prepare::make_dynamic_params(at_checkpoint))) {
      inputs.last_balance_after[row[0].as<std::string>()] = row[1].as<std::int64_t>();
    }
    auto rows = project_rows(events, inputs, selected);
    if (!rows) {
      std::fprintf(stderr, "read models: %s\n", rows.error().c_str());
      return failure(store_error::failed);
    }
    write_rows(txn, *rows, t);
    txn.commit();
    std::size_t applied = 0;
    for (const auto& [which, count] : rows->applied) applied = std::max(applied, count);
    return applied;
  });
}

result<std::optional<domain::account_state>, store_error> pg_read_models::account(
    const std::string& account_id) {
  using out_t = std::optional<domain::account_state>;
  return db_.guarded<out_t>("account", [&] {
    pqxx::read_transaction txn{db_.get()};
    const auto rows = txn.exec_params(sql::account(), account_id);
    return rows.empty() ? out_t{} : out_t{balance_from(rows[0])};
  });
}

result<std::vector<domain::account_state>, store_error> pg_read_models::accounts(
    const account_filter& f) {
  using out_t = std::vector<domain::account_state>;
  return db_.guarded<out_t>("accounts", [&] {
    pqxx::read_transaction txn{db_.get()};
    const auto rows =
        txn.exec_params(sql::accounts(), f.owner_name, f.status, f.after_account_id,
                        static_cast<std::int64_t>(std::min(f.limit, read_model_page_max)));
    out_t out;
    for (const auto& row : rows) out.push_back(balance_from(row));
    return out;
  });
}

result<std::vector<transaction_row>, store_error> pg_read_models::transactions(
    const std::string& account_id, std::int64_t before_version, std::size_t limit) {
  using out_t = std::vector<transaction_row>;
  return db_.guarded<out_t>("transactions", [&] {
    pqxx::read_transaction txn{db_.get()};
    const auto rows =
        txn.exec_params(sql::transactions_page(), account_id, before_version,
                        static_cast<std::int64_t>(std::min(limit, read_model_page_max)));
    out_t out;
    for (const auto& row : rows) out.push_back(transaction_from(row));
    return out;
  });
}

result<std::vector<timeline_row>, store_error> pg_read_models::timeline(const timeline_query& q) {
  using out_t = std::vector<timeline_row>;
  return db_.guarded<out_t>("timeline", [&] {
    pqxx::read_transaction txn{db_.get()};
    const auto limit = static_cast<std::int64_t>(std::min(q.limit, read_model_page_max));
    const auto text = sql::timeline_page(q.newest_first, q.after.has_value());
    const auto rows = q.after ? txn.exec_params(text, domain::format_instant(q.after->occurred_at),
                                                q.after->event_id, limit)
                              : txn.exec_params(text, limit);
    out_t out;
    for (const auto& row : rows) {
      out.push_back(timeline_row{row[0].as<std::string>(), row[1].as<std::string>(),
                                 row[2].as<std::int64_t>(), row[3].as<std::string>(),
                                 row[4].as<int>(), instant(row[5]), row[6].as<std::string>(),
                                 row[7].as<std::string>()});
    }
    return out;
  });
}

result<std::vector<projection_progress>, store_error> pg_read_models::progress() {
  using out_t = std::vector<projection_progress>;
  return db_.guarded<out_t>("progress", [&] {
    pqxx::read_transaction txn{db_.get()};
    out_t out;
    for (const auto& row : txn.exec(sql::progress())) {
      if (const auto p = projection_from_name(row[0].c_str())) {
        out.push_back(projection_progress{*p, instant(row[1]), row[2].as<std::int64_t>()});
      }
    }
    return out;
  });
}

result<account_rows, store_error> pg_read_models::rows_of(const std::string& account_id) {
  return db_.guarded<account_rows>("rows_of", [&] {
    pqxx::read_transaction txn{db_.get()};
    account_rows out;
    const auto balance = txn.exec_params(sql::account(), account_id);
    if (!balance.empty()) out.balance = balance_from(balance[0]);
    for (const auto& row : txn.exec_params(sql::transactions_of(), account_id)) {
      out.transactions.push_back(transaction_from(row));
    }
    for (const auto& row : txn.exec_params(sql::timeline_of(), account_id)) {
      out.timeline.push_back(timeline_row{row[0].as<std::string>(), row[1].as<std::string>(),
                                          row[2].as<std::int64_t>(), row[3].as<std::string>(),
                                          row[4].as<int>(), instant(row[5]),
                                          row[6].as<std::string>(), row[7].as<std::string>()});
    }
    for (const auto& row : txn.exec_params(sql::transfers_from(), account_id)) {
      out.transfers_out.push_back(transfer_row{row[0].as<std::string>(), row[1].as<std::string>(),
                                               row[2].as<std::string>(), row[3].as<std::int64_t>(),
                                               row[4].as<std::string>(), row[5].as<std::string>(),
                                               instant(row[6])});
    }
    for (const auto& row : txn.exec_params(sql::checkpoints_of(), account_id)) {
      if (const auto p = projection_from_name(row[0].c_str())) {
        out.checkpoints[*p] = row[1].as<std::int64_t>();
      }
    }
    return out;
  });
}

namespace {

constexpr const char* rebuild_suffix = "_rebuild";

// Emptying and copying whole tables takes as long as the history is: the connection's
// statement timeout (made for the hot path) would stop a replay of a few million events.
constexpr const char* whole_tables_timeout = "SET LOCAL statement_timeout = 0";

// The tables that hold each projection's rows.
std::vector<std::string> tables_of(projection p) {
  const read_model_tables live;
  switch (p) {
    case projection::balances: return {live.balances};
    case projection::transactions: return {live.transactions};
    case projection::timeline: return {live.timeline};
    case projection::transfers: return {live.transfers};
  }
  return {};
}

read_model_tables rebuild_tables(const std::vector<projection>& selected) {
  read_model_tables t;
  for (const auto p : selected) {
    switch (p) {
      case projection::balances: t.balances += rebuild_suffix; break;
      case projection::transactions: t.transactions += rebuild_suffix; break;
      case projection::timeline: t.timeline += rebuild_suffix; break;
      case projection::transfers: t.transfers += rebuild_suffix; break;
    }
  }
  t.checkpoints += rebuild_suffix;
  t.status += rebuild_suffix;
  return t;
}

std::string projection_list(const std::vector<projection>& selected) {
  std::string out = "(";
  for (std::size_t i = 0; i < selected.size(); ++i) {
    out += (i == 0 ? "'" : ",'") + std::string{projection_name(selected[i])} + "'";
  }
  return out + ")";
}

}  // namespace

// The *_rebuild tables exist from the migrations on (state/003): the read-model writer
// role may empty and fill them, and copy them over the live ones, but not create them.
result<done, store_error> pg_read_models::begin(const std::vector<projection>& selected) {
  rebuilding_ = selected;
  return db_.guarded<done>("rebuild begin", [&] {
    pqxx::work txn{db_.get()};
    txn.exec(whole_tables_timeout);
    const read_model_tables live;
    std::vector<std::string> tables{live.checkpoints, live.status};
    for (const auto p : selected) {
      for (const auto& t : tables_of(p)) tables.push_back(t);
    }
    for (const auto& t : tables) txn.exec("DELETE FROM " + t + rebuild_suffix);
    txn.commit();
    return done{};
  });
}

result<std::size_t, store_error> pg_read_models::load(const std::vector<domain::event>& events) {
  return apply_to(events, rebuilding_, rebuild_tables(rebuilding_));
}

result<done, store_error> pg_read_models::swap_in() {
  return db_.guarded<done>("rebuild swap", [&] {
    pqxx::work txn{db_.get()};
    txn.exec(whole_tables_timeout);
    for (const auto p : rebuilding_) {
      for (const auto& t : tables_of(p)) {
        txn.exec("DELETE FROM " + t);
        txn.exec("INSERT INTO " + t + " SELECT * FROM " + t + rebuild_suffix);
        txn.exec("DELETE FROM " + t + rebuild_suffix);
      }
    }
    const read_model_tables live;
    for (const auto& t : {live.checkpoints, live.status}) {
      txn.exec("DELETE FROM " + t + " WHERE projection IN " + projection_list(rebuilding_));
      txn.exec("INSERT INTO " + t + " SELECT * FROM " + t + rebuild_suffix);
      txn.exec("DELETE FROM " + t + rebuild_suffix);
    }
    txn.commit();
    return done{};
  });
}

}  // namespace chronicle::persistence
