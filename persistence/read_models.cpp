#include "persistence/read_models.hpp"

#include <algorithm>
#include <set>

#include "domain/event_codec.hpp"
#include "domain/overloaded.hpp"

namespace chronicle::persistence {
namespace {

constexpr std::pair<projection, std::string_view> projection_names[] = {
    {projection::balances, "balances"},
    {projection::transactions, "transactions"},
    {projection::timeline, "timeline"},
    {projection::transfers, "transfers"},
};

// The transactions row of an event; no row for events that move no money.
std::optional<transaction_row> movement(const domain::event& e, std::int64_t before) {
  transaction_row row;
  row.event_id = e.event_id;
  row.account_id = e.account_id;
  row.version = e.version;
  row.occurred_at = e.occurred_at;
  const auto fill = [&](const char* type, const std::string& currency, std::int64_t amount,
                        std::int64_t after, const std::string& description) {
    row.type = type;
    row.currency = currency;
    row.amount = amount;
    row.balance_after = after;
    row.description = description;
  };
  const bool moves_money =
      std::visit(domain::overloaded{
                     [&](const domain::account_created& b) {
                       fill("opening", b.currency, b.initial_balance, b.initial_balance, "");
                       return true;
                     },
                     [&](const domain::money_deposited& b) {
                       fill("deposit", b.currency, b.amount, before + b.amount, b.description);
                       return true;
                     },
                     [&](const domain::money_withdrawn& b) {
                       fill("withdrawal", b.currency, b.amount, before - b.amount, b.description);
                       return true;
                     },
                     [&](const domain::transfer_debited& b) {
                       fill("transfer_out", b.currency, b.amount, before - b.amount, b.description);
                       row.transfer_id = b.transfer_id;
                       row.counterparty = b.counterparty;
                       return true;
                     },
                     [&](const domain::transfer_credited& b) {
                       fill("transfer_in", b.currency, b.amount, before + b.amount, b.description);
                       row.transfer_id = b.transfer_id;
                       row.counterparty = b.counterparty;
                       return true;
                     },
                     [&](const domain::account_closed&) { return false; },
                 },
                 e.body);
  if (!moves_money) return std::nullopt;
  return row;
}

timeline_row timeline_entry(const domain::event& e) {
  return timeline_row{
      e.event_id,       e.account_id,  e.version, std::string{domain::event_type_name(e.body)},
      e.schema_version, e.occurred_at, e.data,    e.hash};
}

}  // namespace

std::string_view projection_name(projection p) {
  for (const auto& [which, name] : projection_names) {
    if (which == p) return name;
  }
  return "unknown";
}

std::optional<projection> projection_from_name(std::string_view name) {
  for (const auto& [which, n] : projection_names) {
    if (n == name) return which;
  }
  return std::nullopt;
}

domain::result<projected_rows, std::string> project_rows(const std::vector<domain::event>& events,
                                                         const projection_inputs& inputs,
                                                         const std::vector<projection>& selected) {
  projected_rows out;
  auto balances = inputs.balances;
  auto running = inputs.last_balance_after;
  auto checkpoints = inputs.checkpoints;
  std::set<std::string> touched_balances;
  for (const auto& e : events) {
    for (const auto p : selected) {
      auto& cp = checkpoints[{p, e.account_id}];
      if (e.version <= cp) continue;
      if (e.version != cp + 1) {
        return domain::failure("projection " + std::string{projection_name(p)} + ": account " +
                               e.account_id + " jumps from version " + std::to_string(cp) + " to " +
                               std::to_string(e.version));
      }
      switch (p) {
        case projection::balances: {
          auto it = balances.try_emplace(e.account_id).first;
          if (it->second.version != cp) {
            return domain::failure("balances: account " + e.account_id + " row is at version " +
                                   std::to_string(it->second.version) + ", checkpoint at " +
                                   std::to_string(cp));
          }
          it->second.account_id = e.account_id;
          it->second = domain::evolve(std::move(it->second), e);
          touched_balances.insert(e.account_id);
          break;
        }
        case projection::transactions:
          if (auto row = movement(e, running[e.account_id])) {
            running[e.account_id] = row->balance_after;
            out.transactions.push_back(std::move(*row));
          }
          break;
        case projection::transfers:
          if (const auto* debit = std::get_if<domain::transfer_debited>(&e.body)) {
            out.transfers.push_back(
                transfer_row{debit->transfer_id, e.account_id, debit->counterparty, debit->amount,
                             debit->currency, debit->description, e.occurred_at});
          }
          break;
        case projection::timeline: out.timeline.push_back(timeline_entry(e)); break;
      }
      cp = e.version;
      out.checkpoints[{p, e.account_id}] = cp;
      ++out.applied[p];
      out.newest[p] = std::max(out.newest[p], e.occurred_at);
    }
  }
  for (const auto& id : touched_balances) out.balances.push_back(balances.at(id));
  return out;
}

}  // namespace chronicle::persistence
