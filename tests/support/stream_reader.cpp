#include "tests/support/stream_reader.hpp"

#include <nats/nats.h>

#include <memory>

namespace chronicle::testing {
namespace {

constexpr int api_wait_ms = 5'000;
constexpr int quiet_ms = 300;  // no message for this long: the subject is read to its end

template <class T, void (*Destroy)(T*)>
struct destroyer {
  void operator()(T* p) const noexcept {
    if (p != nullptr) Destroy(p);
  }
};
using connection_ptr =
    std::unique_ptr<natsConnection, destroyer<natsConnection, natsConnection_Destroy>>;
using js_ptr = std::unique_ptr<jsCtx, destroyer<jsCtx, jsCtx_Destroy>>;
using sub_ptr =
    std::unique_ptr<natsSubscription, destroyer<natsSubscription, natsSubscription_Destroy>>;
using msg_ptr = std::unique_ptr<natsMsg, destroyer<natsMsg, natsMsg_Destroy>>;
using info_ptr = std::unique_ptr<jsStreamInfo, destroyer<jsStreamInfo, jsStreamInfo_Destroy>>;
using meta_ptr = std::unique_ptr<jsMsgMetaData, destroyer<jsMsgMetaData, jsMsgMetaData_Destroy>>;

// The context is declared after the connection, so it is destroyed first.
struct session {
  connection_ptr connection;
  js_ptr js;
};

bool open(session& s, const std::string& url) {
  natsConnection* nc = nullptr;
  if (natsConnection_ConnectTo(&nc, url.c_str()) != NATS_OK) {
    natsConnection_Destroy(nc);
    return false;
  }
  s.connection.reset(nc);
  jsOptions options;
  jsOptions_Init(&options);
  options.Wait = api_wait_ms;
  jsCtx* js = nullptr;
  if (natsConnection_JetStream(&js, nc, &options) != NATS_OK) return false;
  s.js.reset(js);
  return true;
}

}  // namespace

std::vector<stream_message> read_subject(const std::string& nats_url, const std::string& stream,
                                         const std::string& subject,
                                         std::chrono::milliseconds timeout) {
  std::vector<stream_message> out;
  session s;
  if (!open(s, nats_url)) return out;
  jsSubOptions options;
  jsSubOptions_Init(&options);
  options.Stream = stream.c_str();
  options.Ordered = true;
  natsSubscription* raw = nullptr;
  if (js_SubscribeSync(&raw, s.js.get(), subject.c_str(), nullptr, &options, nullptr) != NATS_OK) {
    natsSubscription_Destroy(raw);
    return out;
  }
  const sub_ptr sub{raw};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    natsMsg* m = nullptr;
    if (natsSubscription_NextMsg(&m, sub.get(), quiet_ms) != NATS_OK) break;
    const msg_ptr msg{m};
    stream_message sm;
    sm.subject = natsMsg_GetSubject(m);
    sm.payload.assign(natsMsg_GetData(m), static_cast<std::size_t>(natsMsg_GetDataLength(m)));
    const char* id = nullptr;
    if (natsMsgHeader_Get(m, "Nats-Msg-Id", &id) == NATS_OK && id != nullptr) sm.msg_id = id;
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, m) == NATS_OK) {
      const meta_ptr owned{meta};
      sm.sequence = meta->Sequence.Stream;
    }
    out.push_back(std::move(sm));
  }
  return out;
}

std::int64_t stored_on_subject(const std::string& nats_url, const std::string& stream,
                               const std::string& subject) {
  session s;
  if (!open(s, nats_url)) return -1;
  jsOptions options;
  jsOptions_Init(&options);
  options.Wait = api_wait_ms;
  options.Stream.Info.SubjectsFilter = subject.c_str();
  jsStreamInfo* raw = nullptr;
  const natsStatus status = js_GetStreamInfo(&raw, s.js.get(), stream.c_str(), &options, nullptr);
  const info_ptr info{raw};
  if (status != NATS_OK) return -1;
  const auto* subjects = info->State.Subjects;
  if (subjects == nullptr) return 0;
  std::int64_t total = 0;
  for (int i = 0; i < subjects->Count; ++i) {
    if (subject == subjects->List[i].Subject)
      total += static_cast<std::int64_t>(subjects->List[i].Msgs);
  }
  return total;
}

stream_settings read_stream_settings(const std::string& nats_url, const std::string& stream) {
  stream_settings out;
  session s;
  if (!open(s, nats_url)) return out;
  jsStreamInfo* raw = nullptr;
  const natsStatus status = js_GetStreamInfo(&raw, s.js.get(), stream.c_str(), nullptr, nullptr);
  const info_ptr info{raw};
  if (status != NATS_OK || info->Config == nullptr) return out;
  const auto& c = *info->Config;
  out.found = true;
  for (int i = 0; i < c.SubjectsLen; ++i) out.subjects.emplace_back(c.Subjects[i]);
  out.file_storage = c.Storage == js_FileStorage;
  out.duplicates_ns = c.Duplicates;
  out.max_age_ns = c.MaxAge;
  out.max_bytes = c.MaxBytes;
  return out;
}

bool purge_subject(const std::string& nats_url, const std::string& stream,
                   const std::string& subject) {
  session s;
  if (!open(s, nats_url)) return false;
  jsOptions options;
  jsOptions_Init(&options);
  options.Stream.Purge.Subject = subject.c_str();
  return js_PurgeStream(s.js.get(), stream.c_str(), &options, nullptr) == NATS_OK;
}

bool delete_consumer(const std::string& nats_url, const std::string& stream,
                     const std::string& durable) {
  session s;
  if (!open(s, nats_url)) return false;
  return js_DeleteConsumer(s.js.get(), stream.c_str(), durable.c_str(), nullptr, nullptr) ==
         NATS_OK;
}

bool delete_stream(const std::string& nats_url, const std::string& stream) {
  session s;
  if (!open(s, nats_url)) return false;
  const natsStatus status = js_DeleteStream(s.js.get(), stream.c_str(), nullptr, nullptr);
  return status == NATS_OK || status == NATS_NOT_FOUND;
}

}  // namespace chronicle::testing
