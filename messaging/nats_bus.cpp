#include "messaging/nats_bus.hpp"

#include <nats/nats.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string_view>
#include <unordered_map>

#include "domain/redact.hpp"

namespace chronicle::messaging {
namespace {

// JetStream configurations take nanoseconds; client-side waits take milliseconds.
constexpr std::int64_t ns_per_ms = 1'000'000;
constexpr int publish_timeout_ms_max = 60'000;
constexpr int fetch_wait_ms_max = 60'000;
constexpr std::size_t fetch_batch_max = 1'000;
// Fetched messages kept for ack(); beyond this the oldest are let go unacknowledged
// (the server delivers them again after the ack wait).
constexpr std::size_t held_messages_max = static_cast<std::size_t>(consumer_ack_pending_max);
constexpr int reconnect_jitter_ms = 100;
constexpr const char* msg_id_header = "Nats-Msg-Id";

template <class T, void (*Destroy)(T*)>
struct destroyer {
  void operator()(T* p) const noexcept {
    if (p != nullptr) Destroy(p);
  }
};

using options_ptr = std::unique_ptr<natsOptions, destroyer<natsOptions, natsOptions_Destroy>>;
using connection_ptr =
    std::unique_ptr<natsConnection, destroyer<natsConnection, natsConnection_Destroy>>;
using js_ptr = std::unique_ptr<jsCtx, destroyer<jsCtx, jsCtx_Destroy>>;
using subscription_ptr =
    std::unique_ptr<natsSubscription, destroyer<natsSubscription, natsSubscription_Destroy>>;
using msg_ptr = std::unique_ptr<natsMsg, destroyer<natsMsg, natsMsg_Destroy>>;
using metadata_ptr =
    std::unique_ptr<jsMsgMetaData, destroyer<jsMsgMetaData, jsMsgMetaData_Destroy>>;

// Owns the messages a natsMsgList holds, except those taken out (set to null).
struct msg_list {
  natsMsgList list{nullptr, 0};
  msg_list() = default;
  msg_list(const msg_list&) = delete;
  msg_list& operator=(const msg_list&) = delete;
  ~msg_list() { natsMsgList_Destroy(&list); }
};

// No server, no stream leader (a JetStream request without responders: jsErrCode
// 10076), a lost connection or a timeout: worth retrying later.
bool unavailable_status(natsStatus s, jsErrCode code) {
  if (code == JSNotEnabledErr) return true;
  switch (s) {
    case NATS_NO_RESPONDERS:
    case NATS_TIMEOUT:
    case NATS_CONNECTION_CLOSED:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_NOT_YET_CONNECTED:
    case NATS_IO_ERROR:
    case NATS_NO_SERVER:
    case NATS_STALE_CONNECTION: return true;
    default: return false;
  }
}

// A pull request the server ended with a status such as "409 Server Shutdown"
// or "409 Leadership Change": nothing wrong with the request, retry later.
bool transient_error_text() {
  const char* text = nats_GetLastError(nullptr);
  if (text == nullptr) return false;
  const std::string_view t{text};
  return t.find("Server Shutdown") != std::string_view::npos ||
         t.find("Leadership Change") != std::string_view::npos;
}

bus_error classify(const char* what, natsStatus s, jsErrCode code) {
  if (unavailable_status(s, code)) return bus_error::unavailable;
  if (s == NATS_ERR && transient_error_text()) return bus_error::unavailable;
  std::fprintf(stderr, "nats: %s failed: %s (jsErrCode %d): %s\n", what, natsStatus_GetText(s),
               static_cast<int>(code), nats_GetLastError(nullptr));
  return bus_error::failed;
}

std::vector<std::string> split_urls(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    auto url = text.substr(start, end - start);
    url.erase(0, url.find_first_not_of(" \t"));
    url.erase(url.find_last_not_of(" \t") + 1);
    if (!url.empty()) out.push_back(std::move(url));
    start = end + 1;
  }
  return out;
}

void on_connected(natsConnection* nc, void*) {
  char url[256] = {0};
  natsConnection_GetConnectedUrl(nc, url, sizeof(url));
  std::fprintf(stderr, "nats: connected to %s\n", domain::redact_connection_string(url).c_str());
}

void on_disconnected(natsConnection* nc, void*) {
  // Also called when we close the connection ourselves.
  if (natsConnection_IsClosed(nc)) return;
  std::fprintf(stderr, "nats: connection lost; reconnecting\n");
}

void on_reconnected(natsConnection* nc, void*) {
  char url[256] = {0};
  natsConnection_GetConnectedUrl(nc, url, sizeof(url));
  std::fprintf(stderr, "nats: reconnected to %s\n", domain::redact_connection_string(url).c_str());
}

enum class ack_state : std::uint8_t { pending, acked, failed };

constexpr jsErrCode no_js_error = static_cast<jsErrCode>(0);

// Runs a nats.c call that answers an object we do not need, and frees it.
template <class T, void (*Destroy)(T*), class Call>
natsStatus discard_result(Call&& call) {
  T* out = nullptr;
  const natsStatus s = call(&out);
  const std::unique_ptr<T, destroyer<T, Destroy>> owned{out};
  return s;
}

}  // namespace

struct nats_bus::core {
  // The batch being published, as the ack handler (on a nats.c thread) sees it.
  std::mutex acks_mutex;
  // Nats-Msg-Id -> its indexes in the batch (a batch may repeat an id).
  std::unordered_map<std::string, std::vector<std::size_t>> waiting;
  std::vector<ack_state> acks;
  bool unavailable_seen = false;
  std::string last_error;
  // nats.c sets its publish bookkeeping up on the first asynchronous publish;
  // asking it for pending publishes before that crashes.
  bool published_async = false;

  // Declared after the bookkeeping, so destroyed before it: the context, then
  // the connection.
  connection_ptr connection;
  js_ptr js;

  core() = default;
  core(const core&) = delete;
  core& operator=(const core&) = delete;
  ~core() {
    // Publishes still awaiting an acknowledgement are taken back, so that no
    // ack handler runs for them any more.
    natsMsgList pending{nullptr, 0};
    if (published_async && js_PublishAsyncGetPendingList(&pending, js.get()) == NATS_OK) {
      natsMsgList_Destroy(&pending);
    }
  }

  bool connected() const {
    return natsConnection_Status(connection.get()) == NATS_CONN_STATUS_CONNECTED;
  }
};

namespace {

// Called by nats.c for every asynchronous publish, acknowledged or not. With an
// AckHandler set, the message is ours to destroy.
void on_ack(jsCtx*, natsMsg* msg, jsPubAck* ack, jsPubAckErr* error, void* closure) {
  const msg_ptr owned{msg};
  auto* c = static_cast<nats_bus::core*>(closure);
  const char* id = nullptr;
  if (natsMsgHeader_Get(msg, msg_id_header, &id) != NATS_OK || id == nullptr) return;
  std::lock_guard<std::mutex> lock{c->acks_mutex};
  // Not found: a late answer for a batch that timed out. An acknowledgement of
  // the same id in a later batch is still the truth (the stream holds it).
  const auto it = c->waiting.find(id);
  if (it == c->waiting.end()) return;
  for (const auto index : it->second) {
    auto& state = c->acks[index];
    if (ack != nullptr) {
      state = ack_state::acked;
    } else if (state != ack_state::acked) {
      state = ack_state::failed;
    }
  }
  if (ack == nullptr && error != nullptr) {
    if (unavailable_status(error->Err, error->ErrCode)) c->unavailable_seen = true;
    c->last_error = error->ErrText != nullptr ? error->ErrText : natsStatus_GetText(error->Err);
  }
}

// The subject, payload, Nats-Msg-Id and stream sequence of a message (its token unset).
incoming_message describe(natsMsg* m) {
  incoming_message in;
  in.subject = natsMsg_GetSubject(m);
  if (const char* data = natsMsg_GetData(m); data != nullptr) {
    in.payload.assign(data, static_cast<std::size_t>(natsMsg_GetDataLength(m)));
  }
  const char* id = nullptr;
  if (natsMsgHeader_Get(m, msg_id_header, &id) == NATS_OK && id != nullptr) in.msg_id = id;
  jsMsgMetaData* raw = nullptr;
  if (natsMsg_GetMetaData(&raw, m) == NATS_OK) {
    const metadata_ptr meta{raw};
    in.stream_sequence = meta->Sequence.Stream;
  }
  return in;
}

class nats_subscription final : public subscription {
 public:
  nats_subscription(std::shared_ptr<nats_bus::core> c, subscription_ptr sub)
      : core_{std::move(c)}, sub_{std::move(sub)} {}

  domain::result<std::vector<incoming_message>, bus_error> fetch(std::size_t batch_max,
                                                                 int wait_ms) override {
    std::vector<incoming_message> out;
    if (batch_max == 0) return out;
    if (!core_->connected()) return domain::failure(bus_error::unavailable);
    const int batch = static_cast<int>(std::min(batch_max, fetch_batch_max));
    msg_list fetched;
    jsErrCode code = no_js_error;
    const natsStatus s = natsSubscription_Fetch(&fetched.list, sub_.get(), batch,
                                                std::clamp(wait_ms, 1, fetch_wait_ms_max), &code);
    if (s == NATS_TIMEOUT && core_->connected()) return out;
    if (s != NATS_OK) return domain::failure(classify("fetch", s, code));
    for (int i = 0; i < fetched.list.Count; ++i) {
      msg_ptr m{fetched.list.Msgs[i]};
      fetched.list.Msgs[i] = nullptr;
      if (!m) continue;
      out.push_back(describe(m.get()));
      out.back().token = next_token_++;
      held_.emplace(out.back().token, std::move(m));
    }
    while (held_.size() > held_messages_max) held_.erase(held_.begin());
    return out;
  }

  domain::result<std::monostate, bus_error> ack(const std::vector<std::uint64_t>& tokens) override {
    if (!core_->connected()) return domain::failure(bus_error::unavailable);
    for (const auto token : tokens) {
      const auto it = held_.find(token);
      if (it == held_.end()) continue;  // acknowledged already, or let go
      const natsStatus s = natsMsg_Ack(it->second.get(), nullptr);
      if (s != NATS_OK) return domain::failure(classify("ack", s, no_js_error));
      held_.erase(it);
    }
    return std::monostate{};
  }

 private:
  // Members are destroyed in reverse: held messages, the subscription (never
  // unsubscribed: that would delete the durable consumer), then the connection.
  std::shared_ptr<nats_bus::core> core_;
  subscription_ptr sub_;
  std::map<std::uint64_t, msg_ptr> held_;
  std::uint64_t next_token_ = 1;
};

class nats_tail final : public stream_tail {
 public:
  nats_tail(std::shared_ptr<nats_bus::core> c, subscription_ptr sub)
      : core_{std::move(c)}, sub_{std::move(sub)} {}
  // The ordered consumer is ephemeral: unsubscribing deletes it on the server at once
  // instead of when its inactivity threshold passes.
  ~nats_tail() override { natsSubscription_Unsubscribe(sub_.get()); }
  nats_tail(const nats_tail&) = delete;
  nats_tail& operator=(const nats_tail&) = delete;

  domain::result<std::vector<incoming_message>, bus_error> fetch(std::size_t batch_max,
                                                                 int wait_ms) override {
    std::vector<incoming_message> out;
    if (!core_->connected()) return domain::failure(bus_error::unavailable);
    // The first message waits up to wait_ms; the rest only take what has arrived already.
    int wait = std::clamp(wait_ms, 1, fetch_wait_ms_max);
    while (out.size() < std::min(batch_max, fetch_batch_max)) {
      natsMsg* raw = nullptr;
      const natsStatus s = natsSubscription_NextMsg(&raw, sub_.get(), wait);
      const msg_ptr m{raw};
      if (s == NATS_TIMEOUT) break;
      if (s != NATS_OK) return domain::failure(classify("tail", s, no_js_error));
      out.push_back(describe(m.get()));
      wait = 0;
    }
    return out;
  }

 private:
  std::shared_ptr<nats_bus::core> core_;
  subscription_ptr sub_;
};

}  // namespace

nats_bus::nats_bus(std::shared_ptr<core> c, nats_settings settings)
    : core_{std::move(c)}, settings_{std::move(settings)} {}

nats_bus::~nats_bus() = default;

domain::result<std::unique_ptr<nats_bus>, std::string> nats_bus::connect(
    const nats_settings& settings) {
  const auto urls = split_urls(settings.urls);
  if (urls.empty()) return domain::failure(std::string{"no NATS server URL given"});
  std::vector<const char*> servers;
  servers.reserve(urls.size());
  for (const auto& url : urls) servers.push_back(url.c_str());

  natsOptions* raw_options = nullptr;
  natsStatus s = natsOptions_Create(&raw_options);
  const options_ptr options{raw_options};
  if (s == NATS_OK) {
    s = natsOptions_SetServers(options.get(), servers.data(), static_cast<int>(servers.size()));
  }
  if (s == NATS_OK) s = natsOptions_SetName(options.get(), settings.client_name.c_str());
  if (s == NATS_OK) s = natsOptions_SetTimeout(options.get(), settings.connect_timeout_ms);
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(options.get(), -1);  // forever
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(options.get(), settings.reconnect_wait_ms);
  if (s == NATS_OK) {
    s = natsOptions_SetReconnectJitter(options.get(), reconnect_jitter_ms, reconnect_jitter_ms);
  }
  if (s == NATS_OK) s = natsOptions_SetPingInterval(options.get(), settings.ping_interval_ms);
  if (s == NATS_OK) s = natsOptions_SetMaxPingsOut(options.get(), settings.pings_out_max);
  if (s == NATS_OK) s = natsOptions_SetDisconnectedCB(options.get(), on_disconnected, nullptr);
  if (s == NATS_OK) s = natsOptions_SetReconnectedCB(options.get(), on_reconnected, nullptr);
  // With a callback, a first connect that fails returns at once and goes on in
  // the background.
  if (s == NATS_OK)
    s = natsOptions_SetRetryOnFailedConnect(options.get(), true, on_connected, nullptr);
  if (s == NATS_OK && !settings.ca_file.empty()) {
    s = natsOptions_SetSecure(options.get(), true);
    if (s == NATS_OK) {
      s = natsOptions_LoadCATrustedCertificates(options.get(), settings.ca_file.c_str());
    }
  }
  if (s != NATS_OK) {
    return domain::failure(std::string{"NATS options refused: "} + nats_GetLastError(nullptr));
  }

  auto c = std::make_shared<core>();
  natsConnection* raw_connection = nullptr;
  s = natsConnection_Connect(&raw_connection, options.get());
  c->connection.reset(raw_connection);
  if (s == NATS_OK) {
    on_connected(raw_connection, nullptr);
  } else if (s == NATS_NOT_YET_CONNECTED) {
    std::fprintf(stderr, "nats: no server reachable at %s yet; retrying in the background\n",
                 domain::redact_connection_string(settings.urls).c_str());
  } else {
    return domain::failure(std::string{"NATS connect failed: "} + nats_GetLastError(nullptr));
  }

  jsOptions js_options;
  jsOptions_Init(&js_options);
  js_options.Wait = settings.api_timeout_ms;
  js_options.PublishAsync.MaxPending = static_cast<std::int64_t>(publish_messages_max);
  js_options.PublishAsync.AckHandler = on_ack;
  js_options.PublishAsync.AckHandlerClosure = c.get();
  jsCtx* raw_js = nullptr;
  s = natsConnection_JetStream(&raw_js, raw_connection, &js_options);
  c->js.reset(raw_js);
  if (s != NATS_OK) {
    return domain::failure(std::string{"JetStream context failed: "} + nats_GetLastError(nullptr));
  }
  return std::unique_ptr<nats_bus>{new nats_bus{std::move(c), settings}};
}

bool nats_bus::connected() const {
  return core_->connected();
}

domain::result<std::uint64_t, bus_error> nats_bus::last_sequence() {
  if (!connected()) return domain::failure(bus_error::unavailable);
  jsStreamInfo* raw = nullptr;
  jsErrCode code = no_js_error;
  const natsStatus s = js_GetStreamInfo(&raw, core_->js.get(), settings_.stream.name().c_str(),
                                        nullptr, &code);
  if (s != NATS_OK) return domain::failure(classify("stream info", s, code));
  const std::uint64_t last = raw->State.LastSeq;
  jsStreamInfo_Destroy(raw);
  return last;
}

domain::result<std::unique_ptr<stream_tail>, bus_error> nats_bus::tail(
    std::uint64_t from_sequence) {
  if (auto stream = ensure_stream(); !stream) return domain::failure(stream.error());
  jsSubOptions options;
  jsSubOptions_Init(&options);
  options.Stream = settings_.stream.name().c_str();
  options.Ordered = true;
  options.Config.DeliverPolicy = js_DeliverByStartSequence;
  options.Config.OptStartSeq = std::max<std::uint64_t>(from_sequence, 1);
  natsSubscription* raw = nullptr;
  jsErrCode code = no_js_error;
  const std::string all_subjects = settings_.stream.subjects();
  const natsStatus s =
      js_SubscribeSync(&raw, core_->js.get(), all_subjects.c_str(), nullptr, &options, &code);
  subscription_ptr sub{raw};
  if (s != NATS_OK) return domain::failure(classify("ordered subscribe", s, code));
  return std::unique_ptr<stream_tail>{std::make_unique<nats_tail>(core_, std::move(sub))};
}

domain::result<std::monostate, bus_error> nats_bus::ensure_stream() {
  if (!connected()) return domain::failure(bus_error::unavailable);
  const std::string all_subjects = settings_.stream.subjects();
  const char* subjects[] = {all_subjects.c_str()};
  const char* stream_name = settings_.stream.name().c_str();
  jsStreamConfig config;
  jsStreamConfig_Init(&config);
  config.Name = stream_name;
  config.Subjects = subjects;
  config.SubjectsLen = 1;
  config.Storage = js_FileStorage;
  config.Retention = js_LimitsPolicy;
  config.Discard = js_DiscardOld;
  config.MaxAge = stream_max_age_ms * ns_per_ms;
  config.MaxBytes = stream_max_bytes;
  config.Duplicates = stream_duplicate_window_ms * ns_per_ms;
  config.Replicas = settings_.stream_replicas;

  jsCtx* js = core_->js.get();
  jsErrCode code = no_js_error;
  natsStatus s = discard_result<jsStreamInfo, jsStreamInfo_Destroy>(
      [&](jsStreamInfo** info) { return js_GetStreamInfo(info, js, stream_name, nullptr, &code); });
  if (s == NATS_NOT_FOUND) {
    code = no_js_error;
    s = discard_result<jsStreamInfo, jsStreamInfo_Destroy>(
        [&](jsStreamInfo** info) { return js_AddStream(info, js, &config, nullptr, &code); });
    if (s == NATS_OK) return std::monostate{};
    // Another node created it meanwhile: fall through and give it our settings.
    if (code == JSStreamNameExistErr) s = NATS_OK;
  }
  if (s == NATS_OK) {
    code = no_js_error;
    s = discard_result<jsStreamInfo, jsStreamInfo_Destroy>(
        [&](jsStreamInfo** info) { return js_UpdateStream(info, js, &config, nullptr, &code); });
  }
  if (s != NATS_OK) return domain::failure(classify("ensure stream", s, code));
  return std::monostate{};
}

domain::result<std::monostate, bus_error> nats_bus::ensure_consumer(
    const std::string& durable_name, const std::string& filter_subject) {
  if (!valid_durable_name(durable_name)) return domain::failure(bus_error::failed);
  if (auto stream = ensure_stream(); !stream) return stream;
  jsConsumerConfig config;
  jsConsumerConfig_Init(&config);
  config.Durable = durable_name.c_str();
  config.DeliverPolicy = js_DeliverAll;
  config.AckPolicy = js_AckExplicit;
  config.AckWait = consumer_ack_wait_ms * ns_per_ms;
  config.MaxAckPending = consumer_ack_pending_max;
  config.FilterSubject = filter_subject.c_str();

  jsCtx* js = core_->js.get();
  const char* stream_name = settings_.stream.name().c_str();
  const char* name = durable_name.c_str();
  jsErrCode code = no_js_error;
  natsStatus s = discard_result<jsConsumerInfo, jsConsumerInfo_Destroy>([&](jsConsumerInfo** info) {
    return js_GetConsumerInfo(info, js, stream_name, name, nullptr, &code);
  });
  code = no_js_error;
  if (s == NATS_OK) {
    s = discard_result<jsConsumerInfo, jsConsumerInfo_Destroy>([&](jsConsumerInfo** info) {
      return js_UpdateConsumer(info, js, stream_name, &config, nullptr, &code);
    });
  } else if (s == NATS_NOT_FOUND) {
    s = discard_result<jsConsumerInfo, jsConsumerInfo_Destroy>([&](jsConsumerInfo** info) {
      return js_AddConsumer(info, js, stream_name, &config, nullptr, &code);
    });
  }
  if (s != NATS_OK) return domain::failure(classify("ensure consumer", s, code));
  return std::monostate{};
}

domain::result<std::unique_ptr<subscription>, bus_error> nats_bus::subscribe(
    const std::string& durable_name) {
  return subscribe(durable_name, settings_.stream.subjects());
}

domain::result<std::unique_ptr<subscription>, bus_error> nats_bus::subscribe(
    const std::string& durable_name, const std::string& filter_subject) {
  if (auto ensured = ensure_consumer(durable_name, filter_subject); !ensured) {
    return domain::failure(ensured.error());
  }
  jsSubOptions options;
  jsSubOptions_Init(&options);
  options.Stream = settings_.stream.name().c_str();
  options.Consumer = durable_name.c_str();
  natsSubscription* raw = nullptr;
  jsErrCode code = no_js_error;
  const natsStatus s = js_PullSubscribe(&raw, core_->js.get(), filter_subject.c_str(),
                                        durable_name.c_str(), nullptr, &options, &code);
  subscription_ptr sub{raw};
  if (s != NATS_OK) return domain::failure(classify("pull subscribe", s, code));
  return std::unique_ptr<subscription>{std::make_unique<nats_subscription>(core_, std::move(sub))};
}

domain::result<std::vector<bool>, bus_error> nats_bus::publish(
    const std::vector<outgoing_message>& messages, int timeout_ms) {
  const auto count = messages.size();
  if (count == 0) return std::vector<bool>{};
  if (count > publish_messages_max) return domain::failure(bus_error::failed);
  timeout_ms = std::clamp(timeout_ms, 1, publish_timeout_ms_max);
  const std::lock_guard<std::mutex> serial{publish_mutex_};
  if (!connected()) return domain::failure(bus_error::unavailable);
  auto& c = *core_;
  {
    const std::lock_guard<std::mutex> lock{c.acks_mutex};
    c.waiting.clear();
    c.acks.assign(count, ack_state::pending);
    c.unavailable_seen = false;
    c.last_error.clear();
    for (std::size_t i = 0; i < count; ++i) c.waiting[messages[i].msg_id].push_back(i);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds{timeout_ms};
  std::size_t sent = 0;
  natsStatus send_error = NATS_OK;
  for (std::size_t i = 0; i < count; ++i) {
    const auto& m = messages[i];
    jsPubOptions options;
    jsPubOptions_Init(&options);
    options.MaxWait = timeout_ms;  // milliseconds: an unanswered publish then fails in the handler
    options.MsgId = m.msg_id.empty() ? nullptr : m.msg_id.c_str();
    const natsStatus s = js_PublishAsync(c.js.get(), m.subject.c_str(), m.payload.data(),
                                         static_cast<int>(m.payload.size()), &options);
    if (s == NATS_OK) {
      ++sent;
      c.published_async = true;
      continue;
    }
    send_error = s;
    const std::lock_guard<std::mutex> lock{c.acks_mutex};
    if (c.acks[i] != ack_state::acked) c.acks[i] = ack_state::failed;
    if (unavailable_status(s, no_js_error)) break;
  }
  if (sent > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    jsPubOptions wait;
    jsPubOptions_Init(&wait);
    wait.MaxWait = std::max<std::int64_t>(1, left.count());
    // Answers OK even when some publishes failed: the handler counted those.
    if (js_PublishAsyncComplete(c.js.get(), &wait) == NATS_TIMEOUT) {
      natsMsgList pending{nullptr, 0};
      if (js_PublishAsyncGetPendingList(&pending, c.js.get()) == NATS_OK) {
        natsMsgList_Destroy(&pending);
      }
    }
  }
  std::vector<bool> acked(count, false);
  std::size_t acked_count = 0;
  bool unavailable = unavailable_status(send_error, no_js_error);
  std::string last_error = send_error != NATS_OK ? natsStatus_GetText(send_error) : "";
  {
    const std::lock_guard<std::mutex> lock{c.acks_mutex};
    for (std::size_t i = 0; i < count; ++i) {
      acked[i] = c.acks[i] == ack_state::acked;
      if (acked[i]) ++acked_count;
    }
    c.waiting.clear();
    unavailable = unavailable || c.unavailable_seen;
    if (!c.last_error.empty()) last_error = c.last_error;
  }
  if (acked_count == count) return acked;
  std::fprintf(stderr, "nats: %zu of %zu publishes not acknowledged (%s)\n", count - acked_count,
               count, last_error.empty() ? "no answer in time" : last_error.c_str());
  if (acked_count == 0 && (sent == 0 || unavailable)) {
    return domain::failure(unavailable ? bus_error::unavailable : bus_error::failed);
  }
  return acked;
}

}  // namespace chronicle::messaging

namespace chronicle::messaging {
namespace {

using kv_store_ptr = std::unique_ptr<kvStore, destroyer<kvStore, kvStore_Destroy>>;
using kv_watcher_ptr = std::unique_ptr<kvWatcher, destroyer<kvWatcher, kvWatcher_Destroy>>;
using kv_entry_ptr = std::unique_ptr<kvEntry, destroyer<kvEntry, kvEntry_Destroy>>;

class nats_kv_bucket final : public kv_bucket {
 public:
  nats_kv_bucket(std::shared_ptr<nats_bus::core> c, kv_store_ptr kv)
      : core_{std::move(c)}, kv_{std::move(kv)} {}
  ~nats_kv_bucket() override {
    // The watcher first: it holds a reference to the store.
    watcher_.reset();
    kv_.reset();
  }

  domain::result<std::monostate, bus_error> put(const std::string& key,
                                                const std::string& value) override {
    if (!core_->connected()) return domain::failure(bus_error::unavailable);
    std::uint64_t revision = 0;
    const natsStatus s = kvStore_Put(&revision, kv_.get(), key.c_str(), value.data(),
                                     static_cast<int>(value.size()));
    if (s != NATS_OK) return domain::failure(classify("kv put", s, no_js_error));
    return std::monostate{};
  }

  domain::result<std::monostate, bus_error> remove(const std::string& key) override {
    if (!core_->connected()) return domain::failure(bus_error::unavailable);
    const natsStatus s = kvStore_Delete(kv_.get(), key.c_str());
    if (s != NATS_OK) return domain::failure(classify("kv delete", s, no_js_error));
    return std::monostate{};
  }

  domain::result<std::optional<kv_change>, bus_error> next_change(int wait_ms) override {
    if (!watcher_) {
      if (!core_->connected()) return domain::failure(bus_error::unavailable);
      kvWatcher* raw = nullptr;
      const natsStatus s = kvStore_WatchAll(&raw, kv_.get(), nullptr);
      watcher_.reset(raw);
      if (s != NATS_OK) {
        watcher_.reset();
        return domain::failure(classify("kv watch", s, no_js_error));
      }
    }
    kvEntry* raw = nullptr;
    const natsStatus s = kvWatcher_Next(&raw, watcher_.get(), std::max(wait_ms, 1));
    const kv_entry_ptr entry{raw};
    if (s == NATS_TIMEOUT) return std::optional<kv_change>{};
    if (s != NATS_OK) {
      // Start over with the current values: the watch may have missed changes.
      watcher_.reset();
      return domain::failure(classify("kv watch next", s, no_js_error));
    }
    kv_change change;
    if (!entry) {
      change.initial_done = true;
      return std::optional<kv_change>{std::move(change)};
    }
    change.key = kvEntry_Key(entry.get());
    const auto op = kvEntry_Operation(entry.get());
    change.deleted = op == kvOp_Delete || op == kvOp_Purge;
    if (!change.deleted) {
      const auto* data = static_cast<const char*>(kvEntry_Value(entry.get()));
      change.value.assign(data, static_cast<std::size_t>(kvEntry_ValueLen(entry.get())));
    }
    change.written_ms = kvEntry_Created(entry.get()) / ns_per_ms;
    return std::optional<kv_change>{std::move(change)};
  }

 private:
  std::shared_ptr<nats_bus::core> core_;
  kv_store_ptr kv_;
  kv_watcher_ptr watcher_;
};

}  // namespace

domain::result<std::unique_ptr<kv_bucket>, bus_error> nats_bus::key_value(
    const kv_settings& settings) {
  if (!valid_bucket_name(settings.bucket) || settings.ttl_ms < kv_ttl_ms_min ||
      settings.ttl_ms > kv_ttl_ms_max || settings.replicas < 1) {
    return domain::failure(bus_error::failed);
  }
  if (!connected()) return domain::failure(bus_error::unavailable);
  kvConfig config;
  kvConfig_Init(&config);
  config.Bucket = settings.bucket.c_str();
  config.History = 1;
  // nats.c hands TTL to the stream's MaxAge unchanged: nanoseconds.
  config.TTL = settings.ttl_ms * ns_per_ms;
  config.MaxValueSize = kv_value_bytes_max;
  config.StorageType = js_MemoryStorage;
  config.Replicas = settings.replicas;
  kvStore* raw = nullptr;
  // Creating an existing bucket with the same settings succeeds; with other settings
  // (another TTL) it fails, and then binding to the existing one is what every node does.
  natsStatus s = js_CreateKeyValue(&raw, core_->js.get(), &config);
  if (s != NATS_OK) {
    raw = nullptr;
    s = js_KeyValue(&raw, core_->js.get(), settings.bucket.c_str());
  }
  kv_store_ptr kv{raw};
  if (s != NATS_OK) return domain::failure(classify("kv bucket", s, no_js_error));
  return std::unique_ptr<kv_bucket>{std::make_unique<nats_kv_bucket>(core_, std::move(kv))};
}

}  // namespace chronicle::messaging
