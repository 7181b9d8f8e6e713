#include "domain/event_codec.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "domain/money.hpp"
#include "domain/overloaded.hpp"

namespace chronicle::domain {
namespace {

using nlohmann::json;

// OpenSSL's first initialisation registers OPENSSL_cleanup with atexit(). That handler frees
// the per-thread state of every thread, also of a thread still ending when the process
// exits: CAF's detached actor threads (and the libpq connections on them) finish after the
// actor system has let main return, and such a thread then frees its state a second time (a
// double free the ASan run reported; openssl/openssl#6214). So OpenSSL is initialised here,
// during static initialisation and so before main, libpq or nats.c can, without that handler:
// each thread frees its own state, and the process's exit reclaims the rest.
[[maybe_unused]] const bool openssl_initialised_without_atexit_cleanup =
    OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr) == 1;

// True when `value` has at most `levels` levels of arrays and objects. The recursion stops at
// the limit, so this is safe on input of any depth.
bool nested_within(const json& value, int levels) {
  if (!value.is_structured()) return true;
  if (levels == 0) return false;
  for (const auto& child : value) {
    if (!nested_within(child, levels - 1)) return false;
  }
  return true;
}

std::string stored_amount(std::int64_t minor, const std::string& code) {
  const auto cur = find_currency(code);
  // Stored events only ever carry currencies that were validated on the way in.
  if (!cur) std::abort();
  return format_amount(minor, *cur);
}

// Reads a decimal amount back; zero is legal only where `zero_allowed`.
result<std::int64_t, std::string> read_amount(const json& data, const char* field,
                                              const std::string& code, bool zero_allowed) {
  const auto cur = find_currency(code);
  if (!cur) return failure("unknown currency '" + code + "'");
  const auto it = data.find(field);
  if (it == data.end() || !it->is_string()) return failure(std::string{field} + " missing");
  const auto parsed = parse_amount(it->get_ref<const std::string&>(), *cur);
  if (parsed) return *parsed;
  if (zero_allowed && parsed.error() == money_error::zero) return std::int64_t{0};
  return failure(std::string{field} + ": " + std::string{describe(parsed.error())});
}

result<std::string, std::string> read_string(const json& data, const char* field) {
  const auto it = data.find(field);
  if (it == data.end() || !it->is_string()) return failure(std::string{field} + " missing");
  return it->get<std::string>();
}

// Schema 1 movements had no description; upcasting gives them an empty one.
template <class Movement>
result<event_body, std::string> decode_movement(const json& data, int schema_version) {
  const auto cur = read_string(data, "currency");
  if (!cur) return failure(cur.error());
  const auto amount = read_amount(data, "amount", *cur, false);
  if (!amount) return failure(amount.error());
  if (schema_version == 1) return event_body{Movement{*cur, *amount, ""}};
  const auto description = read_string(data, "description");
  if (!description) return failure(description.error());
  return event_body{Movement{*cur, *amount, *description}};
}

template <class Leg>
json transfer_leg_json(const Leg& b) {
  return json{{"transfer_id", b.transfer_id},
              {"counterparty", b.counterparty},
              {"currency", b.currency},
              {"amount", stored_amount(b.amount, b.currency)},
              {"description", b.description}};
}

template <class Leg>
result<event_body, std::string> decode_transfer_leg(const json& data) {
  const auto transfer_id = read_string(data, "transfer_id");
  if (!transfer_id) return failure(transfer_id.error());
  const auto counterparty = read_string(data, "counterparty");
  if (!counterparty) return failure(counterparty.error());
  const auto cur = read_string(data, "currency");
  if (!cur) return failure(cur.error());
  const auto amount = read_amount(data, "amount", *cur, false);
  if (!amount) return failure(amount.error());
  const auto description = read_string(data, "description");
  if (!description) return failure(description.error());
  return event_body{Leg{*transfer_id, *counterparty, *cur, *amount, *description}};
}

result<event_body, std::string> decode_created(const json& data) {
  const auto owner = read_string(data, "owner_name");
  if (!owner) return failure(owner.error());
  const auto cur = read_string(data, "currency");
  if (!cur) return failure(cur.error());
  const auto initial = read_amount(data, "initial_balance", *cur, true);
  if (!initial) return failure(initial.error());
  return event_body{account_created{*owner, *cur, *initial}};
}

// Schema version 3 added issued_by to the envelope; earlier events hash without it.
constexpr int issued_by_since = 3;

json envelope(const event& e) {
  json out{{"event_id", e.event_id},
           {"account_id", e.account_id},
           {"version", e.version},
           {"type", event_type_name(e.body)},
           {"schema_version", e.schema_version},
           {"occurred_at", format_instant(e.occurred_at)},
           {"command_id", e.command_id},
           {"data", json::parse(e.data, nullptr, false)}};
  if (e.schema_version >= issued_by_since) out["issued_by"] = e.issued_by;
  return out;
}

result<std::int64_t, std::string> read_integer(const json& j, const char* field) {
  const auto it = j.find(field);
  if (it == j.end() || !it->is_number_integer()) return failure(std::string{field} + " missing");
  // get<int64_t>() would wrap an unsigned value past INT64_MAX into a negative number.
  if (it->is_number_unsigned() && it->get<std::uint64_t>() > std::uint64_t{INT64_MAX}) {
    return failure(std::string{field} + " out of range");
  }
  return it->get<std::int64_t>();
}

}  // namespace

const std::string& genesis_hash() {
  static const std::string zeros(64, '0');
  return zeros;
}

std::string_view event_type_name(const event_body& body) {
  return std::visit(
      overloaded{
          [](const account_created&) { return std::string_view{"AccountCreated"}; },
          [](const money_deposited&) { return std::string_view{"MoneyDeposited"}; },
          [](const money_withdrawn&) { return std::string_view{"MoneyWithdrawn"}; },
          [](const transfer_debited&) { return std::string_view{"TransferDebited"}; },
          [](const transfer_credited&) { return std::string_view{"TransferCredited"}; },
          [](const account_closed&) { return std::string_view{"AccountClosed"}; },
      },
      body);
}

json encode_payload(const event_body& body) {
  return std::visit(overloaded{
                        [](const account_created& b) {
                          return json{
                              {"owner_name", b.owner_name},
                              {"currency", b.currency},
                              {"initial_balance", stored_amount(b.initial_balance, b.currency)}};
                        },
                        [](const money_deposited& b) {
                          return json{{"currency", b.currency},
                                      {"amount", stored_amount(b.amount, b.currency)},
                                      {"description", b.description}};
                        },
                        [](const money_withdrawn& b) {
                          return json{{"currency", b.currency},
                                      {"amount", stored_amount(b.amount, b.currency)},
                                      {"description", b.description}};
                        },
                        [](const transfer_debited& b) { return transfer_leg_json(b); },
                        [](const transfer_credited& b) { return transfer_leg_json(b); },
                        [](const account_closed&) { return json::object(); },
                    },
                    body);
}

result<event_body, std::string> decode_payload(std::string_view type, int schema_version,
                                               const json& data) {
  if (schema_version < 1 || schema_version > event_schema_version) {
    return failure("unsupported schema version " + std::to_string(schema_version));
  }
  if (!data.is_object()) return failure(std::string{"data is not an object"});
  if (!nested_within(data, payload_depth_max)) {
    return failure("data is nested deeper than " + std::to_string(payload_depth_max) + " levels");
  }
  if (type == "AccountCreated") return decode_created(data);
  if (type == "MoneyDeposited") return decode_movement<money_deposited>(data, schema_version);
  if (type == "MoneyWithdrawn") return decode_movement<money_withdrawn>(data, schema_version);
  if (type == "TransferDebited") return decode_transfer_leg<transfer_debited>(data);
  if (type == "TransferCredited") return decode_transfer_leg<transfer_credited>(data);
  if (type == "AccountClosed") return event_body{account_closed{}};
  return failure("unknown event type '" + std::string{type} + "'");
}

result<event, std::string> decode_event(event envelope_only, std::string_view type,
                                        const json& data) {
  auto body = decode_payload(type, envelope_only.schema_version, data);
  if (!body) return failure(body.error());
  envelope_only.body = std::move(*body);
  envelope_only.data = data.dump();
  return envelope_only;
}

result<event, std::string> event_from_json(const json& j) {
  if (!j.is_object()) return failure(std::string{"event is not an object"});
  event e;
  for (auto [field, target] :
       {std::pair{"event_id", &e.event_id}, std::pair{"account_id", &e.account_id},
        std::pair{"command_id", &e.command_id}, std::pair{"prev_hash", &e.prev_hash},
        std::pair{"hash", &e.hash}}) {
    auto text = read_string(j, field);
    if (!text) return failure(text.error());
    *target = std::move(*text);
  }
  const auto version = read_integer(j, "version");
  if (!version) return failure(version.error());
  e.version = *version;
  const auto schema = read_integer(j, "schema_version");
  if (!schema) return failure(schema.error());
  // Checked before the narrowing to int, which would turn 2^32 + 1 into schema 1.
  if (*schema < 1 || *schema > event_schema_version) {
    return failure("unsupported schema version " + std::to_string(*schema));
  }
  e.schema_version = static_cast<int>(*schema);
  if (e.schema_version >= issued_by_since) {
    auto issued_by = read_string(j, "issued_by");
    if (!issued_by) return failure(issued_by.error());
    e.issued_by = std::move(*issued_by);
  }
  const auto at_text = read_string(j, "occurred_at");
  const auto at = at_text ? parse_instant(*at_text) : std::nullopt;
  if (!at) return failure(std::string{"occurred_at missing or malformed"});
  e.occurred_at = *at;
  const auto type = read_string(j, "type");
  if (!type) return failure(type.error());
  const auto data = j.find("data");
  if (data == j.end()) return failure(std::string{"data missing"});
  return decode_event(std::move(e), *type, *data);
}

json event_to_json(const event& e) {
  json out = envelope(e);
  out["prev_hash"] = e.prev_hash;
  out["hash"] = e.hash;
  return out;
}

std::string canonical_encoding(const event& e) {
  return envelope(e).dump();
}

std::string chain_hash(const std::string& prev_hash, const event& e) {
  return sha256_hex(prev_hash + canonical_encoding(e));
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    std::abort();  // SHA-256 over memory cannot fail unless OpenSSL itself is broken.
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 0x0F]);
  }
  return out;
}

std::optional<chain_violation> check_link(const account_state& state, const event& e) {
  if (e.version != state.version + 1) {
    return chain_violation{e.account_id, e.version, "version gap",
                           std::to_string(state.version + 1), std::to_string(e.version)};
  }
  const std::string& prev = state.version == 0 ? genesis_hash() : state.last_hash;
  if (e.prev_hash != prev) {
    return chain_violation{e.account_id, e.version, "broken link", prev, e.prev_hash};
  }
  const auto recomputed = chain_hash(e.prev_hash, e);
  if (e.hash != recomputed) {
    return chain_violation{e.account_id, e.version, "hash mismatch", recomputed, e.hash};
  }
  return std::nullopt;
}

std::vector<event> seal(const account_state& state, const std::vector<event_body>& bodies,
                        const std::string& command_id, micros now,
                        const std::string& issued_by) {
  std::vector<event> out;
  out.reserve(bodies.size());
  std::string prev = state.version == 0 ? genesis_hash() : state.last_hash;
  std::int64_t version = state.version;
  for (const auto& body : bodies) {
    event e;
    e.event_id = new_uuid();
    e.account_id = state.account_id;
    e.version = ++version;
    e.occurred_at = now;
    e.command_id = command_id;
    e.issued_by = issued_by;
    e.schema_version = event_schema_version;
    e.body = body;
    e.data = encode_payload(body).dump();
    e.prev_hash = prev;
    e.hash = chain_hash(prev, e);
    prev = e.hash;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace chronicle::domain
