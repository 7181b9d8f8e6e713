#include "http/requests.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <vector>

#include "domain/event_codec.hpp"
#include "domain/ids.hpp"
#include "domain/money.hpp"

namespace chronicle::http {
namespace {

using domain::failure;
using nlohmann::json;

template <class T>
using parsed = domain::result<T, problem>;

std::string_view route_name(command_route route) {
  switch (route) {
    case command_route::create_account: return "create-account";
    case command_route::deposit: return "deposit";
    case command_route::withdraw: return "withdraw";
    case command_route::close_account: return "close-account";
  }
  return "";
}

parsed<bool> only_fields(const json& body, std::initializer_list<std::string_view> allowed) {
  for (const auto& item : body.items()) {
    if (std::find(allowed.begin(), allowed.end(), item.key()) == allowed.end()) {
      return failure(problem{api_error::unknown_field, "unknown field '" + item.key() + "'"});
    }
  }
  return true;
}

parsed<std::string> text_field(const json& body, const char* name, bool required,
                               std::size_t bytes_max) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required)
      return failure(problem{api_error::missing_field, std::string{name} + " is required"});
    return std::string{};
  }
  if (!it->is_string()) {
    return failure(problem{api_error::invalid_field, std::string{name} + " must be a string"});
  }
  const auto& text = it->get_ref<const std::string&>();
  if (!domain::valid_text(text, bytes_max)) {
    return failure(problem{api_error::invalid_field,
                           std::string{name} +
                               " must be UTF-8 text without control characters, at most " +
                               std::to_string(bytes_max) + " bytes"});
  }
  if (required && text.empty()) {
    return failure(problem{api_error::invalid_field, std::string{name} + " must not be empty"});
  }
  return text;
}

parsed<std::string> account_id_field(const json& body, const char* name = "account_id") {
  auto id = text_field(body, name, true, domain::account_id_bytes_max);
  if (!id) return id;
  if (!domain::valid_account_id(*id)) {
    return failure(problem{api_error::invalid_field, std::string{name} +
                                                         " must be 1 to 64 characters of A-Z, "
                                                         "a-z, 0-9, '_', '-'"});
  }
  return id;
}

parsed<std::string> amount_field(const json& body, const char* name, bool required) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required)
      return failure(problem{api_error::missing_field, std::string{name} + " is required"});
    return std::string{"0"};
  }
  auto text = domain::amount_text(*it);
  if (!text) {
    return failure(problem{api_error::invalid_amount,
                           std::string{name} + ": " + std::string{domain::describe(text.error())}});
  }
  return std::move(*text);
}

parsed<domain::command> parse_create(const json& body) {
  if (auto ok = only_fields(body, {"account_id", "owner_name", "initial_balance", "currency"});
      !ok) {
    return failure(ok.error());
  }
  auto owner = text_field(body, "owner_name", true, domain::owner_name_bytes_max);
  if (!owner) return failure(owner.error());
  auto currency = text_field(body, "currency", true, 3);
  if (!currency) return failure(currency.error());
  auto initial = amount_field(body, "initial_balance", false);
  if (!initial) return failure(initial.error());
  return domain::command{domain::open_account{*owner, *currency, *initial}};
}

template <class Movement>
parsed<domain::command> parse_movement(const json& body) {
  if (auto ok = only_fields(body, {"account_id", "amount", "description"}); !ok) {
    return failure(ok.error());
  }
  auto amount = amount_field(body, "amount", true);
  if (!amount) return failure(amount.error());
  auto description = text_field(body, "description", false, domain::description_bytes_max);
  if (!description) return failure(description.error());
  return domain::command{Movement{*amount, *description}};
}

parsed<domain::command> parse_route_body(command_route route, const json& body) {
  switch (route) {
    case command_route::create_account: return parse_create(body);
    case command_route::deposit: return parse_movement<domain::deposit>(body);
    case command_route::withdraw: return parse_movement<domain::withdraw>(body);
    case command_route::close_account:
      if (auto ok = only_fields(body, {"account_id"}); !ok) return failure(ok.error());
      return domain::command{domain::close_account{}};
  }
  return failure(problem{api_error::internal, "unknown route"});
}

// The fields of command bodies that hold an amount.
bool is_amount_field(std::string_view name) {
  return name == "amount" || name == "initial_balance";
}

// Builds the document of a command body from nlohmann's SAX events (its SAX parser keeps
// its own stack, so no input nests the call stack), refusing, as soon as it is seen, a
// body that is not an object, a container nested deeper than json_depth_max and a name
// repeated within one object. Each open container's names are kept for the duplicate
// check; there are at most json_depth_max of them.
class bounded_document final : public nlohmann::json_sax<json> {
 public:
  json take() { return std::move(root_); }
  const std::optional<problem>& refusal() const { return refusal_; }

  bool null() override { return put(nullptr); }
  bool boolean(bool value) override { return put(value); }
  bool number_integer(number_integer_t value) override { return put(value); }
  bool number_unsigned(number_unsigned_t value) override { return put(value); }
  // An amount written as a number in exponent form (1e3, 2.5E1) is kept as the text it was
  // written as, so that the money parser judges it as written and refuses it
  // (money_error::exponent_form), as it refuses "1e3" sent as a string: a ledger takes
  // amounts in plain decimal notation only. Read as the double it stands for, it would
  // pass for 1000. Other numbers, and numbers in other fields, stay numbers.
  bool number_float(number_float_t value, const string_t& written) override {
    if (open_.size() == 1 && is_amount_field(field_) &&
        written.find_first_of("eE") != string_t::npos) {
      return put(written);
    }
    return put(value);
  }
  bool string(string_t& value) override { return put(std::move(value)); }
  bool binary(binary_t&) override { return refuse("the body is not valid JSON"); }
  bool start_object(std::size_t) override { return open(json::object()); }
  bool start_array(std::size_t) override { return open(json::array()); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }

  bool key(string_t& name) override {
    if (!names_.back().insert(name).second) {
      return refuse("field '" + name + "' appears more than once");
    }
    if (open_.size() == 1) field_ = name;
    slot_ = &(*open_.back())[name];
    return true;
  }

  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception&) override {
    return refuse("the body is not valid JSON (at byte " + std::to_string(position) + ")");
  }

 private:
  // Where the next value goes: the root, the end of the open array, or the slot of the
  // key just read (std::map nodes do not move, and nothing is added to an array while
  // one of its elements is open, so the pointers stay valid).
  json* place(json value) {
    if (open_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    if (open_.back()->is_array()) {
      open_.back()->push_back(std::move(value));
      return &open_.back()->back();
    }
    *slot_ = std::move(value);
    return slot_;
  }

  template <class Value>
  bool put(Value&& value) {
    if (open_.empty()) return refuse("the body must be a JSON object");
    place(json(std::forward<Value>(value)));
    return true;
  }

  bool open(json container) {
    if (open_.empty() && !container.is_object()) return refuse("the body must be a JSON object");
    if (open_.size() == json_depth_max) {
      return refuse("field '" + field_ + "' nests arrays or objects deeper than " +
                    std::to_string(json_depth_max) +
                    " levels; a command is a flat JSON object of strings and numbers");
    }
    open_.push_back(place(std::move(container)));
    names_.emplace_back();
    return true;
  }

  bool close() {
    open_.pop_back();
    names_.pop_back();
    return true;
  }

  bool refuse(std::string message) {
    if (!refusal_) refusal_ = problem{api_error::malformed_json, std::move(message)};
    return false;
  }

  json root_;
  std::vector<json*> open_;
  std::vector<std::set<std::string>> names_;
  json* slot_ = nullptr;
  std::string field_;
  std::optional<problem> refusal_;
};

// The checks every command body passes first: the key's form, valid JSON, a flat object.
parsed<json> command_body(std::string_view body, std::string_view idempotency_key) {
  if (!idempotency_key.empty() && !domain::valid_idempotency_key(idempotency_key)) {
    return failure(problem{api_error::invalid_idempotency_key,
                           "Idempotency-Key must be 1 to " +
                               std::to_string(domain::idempotency_key_bytes_max) +
                               " printable ASCII characters without spaces"});
  }
  // JSON text never holds a raw NUL, but the JSON library takes one for the end of its
  // input and would ignore whatever follows it.
  if (body.find('\0') != std::string_view::npos) {
    return failure(problem{api_error::malformed_json, "the body is not valid JSON (a NUL byte)"});
  }
  bounded_document document;
  const bool parsed_ok = json::sax_parse(body.begin(), body.end(), &document);
  if (!parsed_ok || document.refusal()) {
    return failure(document.refusal().value_or(
        problem{api_error::malformed_json, "the body is not valid JSON"}));
  }
  return document.take();
}

// Keys are sorted by the JSON library, so the same request always gives the
// same fingerprint, however its fields were ordered or spaced.
std::string fingerprint(std::string_view route, const json& body) {
  return domain::sha256_hex(std::string{route} + '\n' + body.dump());
}

}  // namespace

domain::result<actors::command_request, problem> parse_command(command_route route,
                                                               std::string_view body,
                                                               std::string_view idempotency_key) {
  auto parsed_body = command_body(body, idempotency_key);
  if (!parsed_body) return failure(parsed_body.error());
  auto account_id = account_id_field(*parsed_body);
  if (!account_id) return failure(account_id.error());
  auto cmd = parse_route_body(route, *parsed_body);
  if (!cmd) return failure(cmd.error());
  actors::command_request request;
  request.account_id = std::move(*account_id);
  request.idempotency_key = std::string{idempotency_key};
  request.fingerprint = fingerprint(route_name(route), *parsed_body);
  request.command = std::move(*cmd);
  return request;
}

domain::result<actors::transfer_request, problem> parse_transfer(std::string_view body,
                                                                 std::string_view idempotency_key) {
  auto parsed_body = command_body(body, idempotency_key);
  if (!parsed_body) return failure(parsed_body.error());
  const auto& b = *parsed_body;
  if (auto ok = only_fields(
          b, {"from_account_id", "to_account_id", "amount", "description", "transfer_id"});
      !ok) {
    return failure(ok.error());
  }
  auto from = account_id_field(b, "from_account_id");
  if (!from) return failure(from.error());
  auto to = account_id_field(b, "to_account_id");
  if (!to) return failure(to.error());
  auto amount = amount_field(b, "amount", true);
  if (!amount) return failure(amount.error());
  auto description = text_field(b, "description", false, domain::description_bytes_max);
  if (!description) return failure(description.error());
  auto transfer_id = text_field(b, "transfer_id", false, domain::idempotency_key_bytes_max);
  if (!transfer_id) return failure(transfer_id.error());
  // Sent empty, it is refused rather than taken for absent: the transfer would run under
  // a fresh id, without the idempotency the client asked for.
  const bool has_transfer_id = b.contains("transfer_id") && !b["transfer_id"].is_null();
  if (has_transfer_id && !domain::valid_idempotency_key(*transfer_id)) {
    return failure(problem{api_error::invalid_field,
                           "transfer_id must be 1 to 128 printable ASCII characters"});
  }
  actors::transfer_request request;
  request.idempotency_key = std::string{idempotency_key};
  request.fingerprint = fingerprint("transfer", b);
  request.transfer = domain::transfer{transfer_id->empty() ? domain::new_uuid() : *transfer_id,
                                      *from, *to, *amount, *description};
  return request;
}

bool is_json_content_type(std::string_view value) {
  const auto end = value.find(';');
  std::string_view type = value.substr(0, end);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  static constexpr std::string_view expected = "application/json";
  if (type.size() != expected.size()) return false;
  for (std::size_t i = 0; i < type.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(type[i])) != expected[i]) return false;
  }
  return true;
}

}  // namespace chronicle::http
