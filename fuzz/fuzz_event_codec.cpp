// Fuzzes the event codec (domain/event_codec.hpp): events as they arrive from the bus, and
// payloads as they come back from the store.
//
// The input is parsed as JSON and decoded as an event (event_from_json); its "type" and "data"
// are also decoded as a payload under every schema version. Besides the absence of crashes,
// leaks and undefined behaviour, these properties are checked:
// - every decodable event round-trips: event_to_json -> event_from_json gives an event with
//   the same canonical_encoding, chain_hash, prev_hash and hash, and the same JSON again;
// - decoding is faithful: the envelope's integers and strings are the ones in the input;
// - every decodable payload encodes and decodes again (as the current schema) to itself.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "domain/account.hpp"
#include "domain/event_codec.hpp"
#include "domain/ids.hpp"
#include "fuzz/property.hpp"

namespace {

namespace domain = chronicle::domain;
using chronicle::fuzz::require;
using nlohmann::json;

// Any previous hash will do for the chain property; the genesis hash is the common one.
const std::string& some_prev_hash() {
  return domain::genesis_hash();
}

// Integers are compared as text: nlohmann's == converts an unsigned to signed before comparing,
// so 18446744073709551615 would equal -1.
void check_faithful(const json& input, const domain::event& e) {
  require(input.at("version").dump() == std::to_string(e.version), "the version is the input's",
          input.at("version").dump());
  require(input.at("schema_version").dump() == std::to_string(e.schema_version),
          "the schema version is the input's", input.at("schema_version").dump());
  for (const char* field : {"event_id", "account_id", "command_id", "prev_hash", "hash"}) {
    const json decoded = domain::event_to_json(e).at(field);
    require(input.at(field) == decoded, "an envelope string is the input's", field);
  }
  const auto at = domain::parse_instant(input.at("occurred_at").get<std::string>());
  require(at.has_value() && *at == e.occurred_at, "the instant is the input's");
}

void check_event(const json& input) {
  const auto decoded = domain::event_from_json(input);
  if (!decoded) return;
  const domain::event& e = *decoded;
  check_faithful(input, e);
  const json encoded = domain::event_to_json(e);
  const auto again = domain::event_from_json(encoded);
  require(again.ok(), "a decoded event decodes again from its JSON", again ? "" : again.error());
  require(domain::canonical_encoding(*again) == domain::canonical_encoding(e),
          "the canonical encoding survives event_to_json -> event_from_json", encoded.dump());
  require(domain::chain_hash(some_prev_hash(), *again) == domain::chain_hash(some_prev_hash(), e),
          "the chain hash survives event_to_json -> event_from_json", encoded.dump());
  require(again->prev_hash == e.prev_hash && again->hash == e.hash,
          "prev_hash and hash survive event_to_json -> event_from_json");
  require(domain::event_to_json(*again) == encoded, "event_to_json is a fixed point",
          encoded.dump());
}

// Decodes `data` as a payload of `type` under every schema version (old ones are upcast), and
// checks that what decodes survives encode_payload -> decode_payload as the current schema.
void check_payload(std::string_view type, const json& data) {
  for (int schema = 0; schema <= domain::event_schema_version + 1; ++schema) {
    const auto body = domain::decode_payload(type, schema, data);
    if (!body) continue;
    require(domain::event_type_name(*body) == type, "a payload decodes as its type",
            std::string{type});
    const json encoded = domain::encode_payload(*body);
    const auto again = domain::decode_payload(type, domain::event_schema_version, encoded);
    require(again.ok(), "an encoded payload decodes as the current schema", encoded.dump());
    require(domain::encode_payload(*again) == encoded, "a payload survives encode -> decode",
            encoded.dump());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const json input = json::parse(data, data + size, nullptr, false);
  if (input.is_discarded()) return 0;
  check_event(input);
  if (input.is_object()) {
    const auto type = input.find("type");
    const auto payload = input.find("data");
    if (type != input.end() && type->is_string() && payload != input.end()) {
      check_payload(type->get_ref<const std::string&>(), *payload);
    }
  }
  return 0;
}
