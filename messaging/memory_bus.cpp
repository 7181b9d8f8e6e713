#include "messaging/memory_bus.hpp"

#include <algorithm>
#include <iterator>

namespace chronicle::messaging {
namespace {

constexpr std::size_t fetch_batch_max = 10'000;
constexpr int fetch_wait_ms_max = 60'000;
// Beyond this many remembered ids, those older than the window are forgotten.
constexpr std::size_t seen_ids_max = 100'000;

}  // namespace

class memory_subscription final : public subscription {
 public:
  memory_subscription(memory_bus& bus, std::string durable)
      : bus_{bus}, durable_{std::move(durable)} {}

  domain::result<std::vector<incoming_message>, bus_error> fetch(std::size_t batch_max,
                                                                 int wait_ms) override {
    return bus_.fetch(durable_, batch_max, wait_ms);
  }
  domain::result<std::monostate, bus_error> ack(const std::vector<std::uint64_t>& tokens) override {
    return bus_.ack(durable_, tokens);
  }

 private:
  memory_bus& bus_;
  std::string durable_;
};

domain::result<std::vector<bool>, bus_error> memory_bus::publish(
    const std::vector<outgoing_message>& messages, int /*timeout_ms*/) {
  std::lock_guard<std::mutex> lock{mutex_};
  ++publish_calls_;
  if (!available_) return domain::failure(bus_error::unavailable);
  const auto now = std::chrono::steady_clock::now();
  const auto window = std::chrono::milliseconds{stream_duplicate_window_ms};
  if (seen_ids_.size() > seen_ids_max) {
    for (auto it = seen_ids_.begin(); it != seen_ids_.end();) {
      it = now - it->second >= window ? seen_ids_.erase(it) : std::next(it);
    }
  }
  std::vector<bool> acked;
  acked.reserve(messages.size());
  for (const auto& m : messages) {
    if (reject_count_ > 0) {
      --reject_count_;
      acked.push_back(false);
      continue;
    }
    acked.push_back(true);
    const auto seen = seen_ids_.find(m.msg_id);
    if (!m.msg_id.empty() && seen != seen_ids_.end() && now - seen->second < window) continue;
    if (!m.msg_id.empty()) seen_ids_[m.msg_id] = now;
    if (drop_count_ > 0) {
      --drop_count_;
      continue;
    }
    if (reverse_count_ > 0) {
      reversed_.push_back(m);
      if (--reverse_count_ > 0) continue;
      for (auto it = reversed_.rbegin(); it != reversed_.rend(); ++it) store(*it);
      reversed_.clear();
      continue;
    }
    store(m);
  }
  stored_changed_.notify_all();
  return acked;
}

void memory_bus::store(const outgoing_message& m) {
  log_.push_back(stored_message{m, log_.size() + 1});
}

domain::result<std::unique_ptr<subscription>, bus_error> memory_bus::subscribe(
    const std::string& durable_name) {
  if (!valid_durable_name(durable_name)) return domain::failure(bus_error::failed);
  std::lock_guard<std::mutex> lock{mutex_};
  if (!available_) return domain::failure(bus_error::unavailable);
  consumers_[durable_name];  // created when missing, kept otherwise
  return std::unique_ptr<subscription>{std::make_unique<memory_subscription>(*this, durable_name)};
}

domain::result<std::vector<incoming_message>, bus_error> memory_bus::fetch(
    const std::string& durable, std::size_t batch_max, int wait_ms) {
  batch_max = std::min(batch_max, fetch_batch_max);
  const auto wait = std::chrono::milliseconds{std::clamp(wait_ms, 0, fetch_wait_ms_max)};
  std::unique_lock<std::mutex> lock{mutex_};
  auto& c = consumers_[durable];
  stored_changed_.wait_for(
      lock, wait, [&] { return !available_ || !c.in_flight.empty() || c.next < log_.size(); });
  if (!available_) return domain::failure(bus_error::unavailable);
  // What was fetched and never acknowledged comes again first, in stream order.
  std::vector<std::size_t> indexes;
  for (const auto& [token, index] : c.in_flight) indexes.push_back(index);
  std::sort(indexes.begin(), indexes.end());
  c.in_flight.clear();
  std::vector<incoming_message> out;
  auto deliver = [&](std::size_t index) {
    const auto& s = log_[index];
    const auto token = next_token_++;
    c.in_flight.emplace(token, index);
    out.push_back(incoming_message{s.message.subject, s.message.payload, s.sequence, token,
                                   s.message.msg_id});
  };
  for (const auto index : indexes) {
    if (out.size() < batch_max) deliver(index);
  }
  while (out.size() < batch_max && c.next < log_.size()) deliver(c.next++);
  // Redeliveries beyond batch_max stay due for the next fetch.
  for (std::size_t i = out.size(); i < indexes.size(); ++i) {
    c.in_flight.emplace(next_token_++, indexes[i]);
  }
  return out;
}

domain::result<std::monostate, bus_error> memory_bus::ack(
    const std::string& durable, const std::vector<std::uint64_t>& tokens) {
  std::lock_guard<std::mutex> lock{mutex_};
  if (!available_) return domain::failure(bus_error::unavailable);
  auto& c = consumers_[durable];
  for (const auto token : tokens) c.in_flight.erase(token);
  return std::monostate{};
}

std::vector<incoming_message> memory_bus::stored() const {
  std::lock_guard<std::mutex> lock{mutex_};
  std::vector<incoming_message> out;
  for (const auto& s : log_) {
    out.push_back(
        incoming_message{s.message.subject, s.message.payload, s.sequence, 0, s.message.msg_id});
  }
  return out;
}

std::size_t memory_bus::publish_calls() const {
  std::lock_guard<std::mutex> lock{mutex_};
  return publish_calls_;
}

void memory_bus::set_available(bool available) {
  std::lock_guard<std::mutex> lock{mutex_};
  available_ = available;
  stored_changed_.notify_all();
}

void memory_bus::reject_next(std::size_t count) {
  std::lock_guard<std::mutex> lock{mutex_};
  reject_count_ = count;
}

void memory_bus::drop_next(std::size_t count) {
  std::lock_guard<std::mutex> lock{mutex_};
  drop_count_ = count;
}

void memory_bus::reverse_next(std::size_t count) {
  std::lock_guard<std::mutex> lock{mutex_};
  reverse_count_ = count;
}

void memory_bus::expire_duplicate_window() {
  std::lock_guard<std::mutex> lock{mutex_};
  seen_ids_.clear();
}

}  // namespace chronicle::messaging
