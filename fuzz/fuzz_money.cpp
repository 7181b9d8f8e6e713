// Fuzzes exact money parsing and formatting (domain/money.hpp).
//
// The input is tried as amount text in every supported currency, and, when it is JSON, as the
// value a client sent in an amount field (amount_text). Besides the absence of crashes, leaks
// and undefined behaviour, these properties are checked:
// - a parsed amount lies in [1, amount_minor_max];
// - parsing is exact: format_amount(parse(x)) is x up to trailing fraction zeros, and it
//   parses back to the same amount;
// - the syntax errors (malformed, exponent_form, not_finite) do not depend on the currency;
// - amount_text keeps strings as they are, writes integers as their digits, and writes floats
//   as a plain decimal that reads back as exactly the same double; other JSON is malformed.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "domain/money.hpp"
#include "fuzz/property.hpp"

namespace {

using chronicle::domain::amount_minor_max;
using chronicle::domain::money_error;
using chronicle::fuzz::require;
using nlohmann::json;

constexpr std::array<std::string_view, 8> currency_codes{"USD", "EUR", "GBP", "INR",
                                                         "CHF", "CAD", "AUD", "JPY"};

// "12.50" -> "12.5", "12.00" -> "12", "12" -> "12": the value without its trailing fraction
// zeros, which are the only freedom the grammar leaves a client.
std::string without_trailing_zeros(std::string_view text) {
  std::string out(text);
  if (out.find('.') == std::string::npos) return out;
  out.erase(out.find_last_not_of('0') + 1);
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

bool is_syntax_error(money_error error) {
  return error == money_error::malformed || error == money_error::exponent_form ||
         error == money_error::not_finite;
}

bool is_digit(char ch) {
  return ch >= '0' && ch <= '9';
}

// -?(0|[1-9][0-9]*)(\.[0-9]*[1-9])? : what amount_text promises for a float.
bool is_plain_decimal(std::string_view text) {
  if (!text.empty() && text.front() == '-') text.remove_prefix(1);
  std::size_t at = 0;
  while (at < text.size() && is_digit(text[at])) ++at;
  if (at == 0 || (at > 1 && text[0] == '0')) return false;
  if (at == text.size()) return true;
  if (text[at] != '.' || at + 1 == text.size() || text.back() == '0') return false;
  for (++at; at < text.size(); ++at) {
    if (!is_digit(text[at])) return false;
  }
  return true;
}

void check_amount_text(std::string_view text) {
  std::optional<std::optional<money_error>> first_syntax_error;
  for (const std::string_view code : currency_codes) {
    const auto currency = chronicle::domain::find_currency(code);
    require(currency.ok(), "every listed currency is supported", code);
    const auto parsed = chronicle::domain::parse_amount(text, *currency);
    const std::optional<money_error> syntax_error =
        !parsed && is_syntax_error(parsed.error()) ? std::optional{parsed.error()} : std::nullopt;
    if (!first_syntax_error) first_syntax_error = syntax_error;
    require(*first_syntax_error == syntax_error, "syntax errors do not depend on the currency",
            code);
    if (!parsed) continue;
    require(*parsed >= 1 && *parsed <= amount_minor_max, "a parsed amount is in range", code);
    const std::string formatted = chronicle::domain::format_amount(*parsed, *currency);
    require(without_trailing_zeros(formatted) == without_trailing_zeros(text),
            "parsing is exact: the amount formats back to the text", formatted);
    const auto again = chronicle::domain::parse_amount(formatted, *currency);
    require(again.ok() && *again == *parsed, "format_amount(parse(x)) parses back to the same",
            formatted);
  }
}

void check_json_amount(std::string_view input) {
  const json value = json::parse(input, nullptr, false);
  if (value.is_discarded()) return;
  const auto text = chronicle::domain::amount_text(value);
  if (value.is_string()) {
    require(text.ok() && *text == value.get_ref<const std::string&>(),
            "amount_text keeps a string as it is");
  } else if (value.is_number_integer()) {
    require(text.ok() && *text == value.dump(), "amount_text writes an integer as its digits");
  } else if (value.is_number_float()) {
    require(text.ok(), "amount_text accepts every parsed float", value.dump());
    require(is_plain_decimal(*text), "amount_text writes a float as a plain decimal", *text);
    require(std::strtod(text->c_str(), nullptr) == value.get<double>(),
            "amount_text of a float reads back as the same double", *text);
  } else {
    require(!text.ok() && text.error() == money_error::malformed,
            "amount_text refuses other JSON types as malformed");
  }
  if (text) check_amount_text(*text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_amount_text(input);
  check_json_amount(input);
  return 0;
}
