#include "consistency/store_facts.hpp"

#include <nlohmann/json.hpp>

namespace chronicle::consistency {

domain::result<std::vector<stored_event>, std::string> fold_account(
    const std::vector<domain::event>& events) {
  std::vector<stored_event> out;
  domain::account_state state;
  for (const auto& e : events) {
    if (e.version != state.version + 1) {
      return domain::failure("account " + e.account_id + ": version " + std::to_string(e.version) +
                             " follows version " + std::to_string(state.version));
    }
    if (state.account_id.empty()) state.account_id = e.account_id;
    const auto before = state.balance;
    state = domain::evolve(std::move(state), e);
    // Only a transfer's legs carry a transfer_id; reading it from the stored
    // payload keeps this independent of the event types.
    const auto data = nlohmann::json::parse(e.data, nullptr, false);
    std::string transfer_id;
    if (data.is_object() && data.contains("transfer_id") && data["transfer_id"].is_string()) {
      transfer_id = data["transfer_id"].get<std::string>();
    }
    out.push_back(
        {e.version, e.command_id, std::move(transfer_id), state.balance, state.balance - before});
  }
  return out;
}

}  // namespace chronicle::consistency
