#pragma once

// The read models in PostgreSQL (the state database). One connection per
// instance; see read_models.hpp for the promises.

#include <string>
#include <vector>

#include "persistence/pg_connection.hpp"
#include "persistence/read_models.hpp"

namespace chronicle::persistence {

// The tables one apply writes to. Replay writes to fresh tables and swaps
// them in; everything else uses the defaults.
struct read_model_tables {
  std::string balances = "account_balance";
  std::string transactions = "transactions";
  std::string timeline = "timeline";
  std::string transfers = "transfers";
  std::string checkpoints = "projection_checkpoints";
  std::string status = "projection_status";
};

// Rebuilding (read_model_rebuild) writes the *_rebuild tables the migrations
// made and copies them over the live ones: row privileges only (the read-model
// writer role), no DDL.
class pg_read_models final : public read_model_writer,
                             public read_model_queries,
                             public read_model_rebuild {
 public:
  explicit pg_read_models(std::string connection_string);

  result<std::map<std::string, std::int64_t>, store_error> checkpoints(
      const std::vector<std::string>& account_ids) override;
  result<std::size_t, store_error> apply(const std::vector<domain::event>& events) override;
  result<std::optional<domain::account_state>, store_error> account(
      const std::string& account_id) override;
  result<std::vector<domain::account_state>, store_error> accounts(
      const account_filter& filter) override;
  result<std::vector<transaction_row>, store_error> transactions(const std::string& account_id,
                                                                 std::int64_t before_version,
                                                                 std::size_t limit) override;
  result<std::vector<timeline_row>, store_error> timeline(const timeline_query& q) override;
  result<std::vector<projection_progress>, store_error> progress() override;
  result<account_rows, store_error> rows_of(const std::string& account_id) override;

  result<done, store_error> begin(const std::vector<projection>& selected) override;
  result<std::size_t, store_error> load(const std::vector<domain::event>& events) override;
  result<done, store_error> swap_in() override;

  // apply() for the `selected` projections into `tables`.
  result<std::size_t, store_error> apply_to(const std::vector<domain::event>& events,
                                            const std::vector<projection>& selected,
                                            const read_model_tables& tables);

 private:
  pg_connection db_;
  std::vector<projection> rebuilding_;
};

}  // namespace chronicle::persistence
