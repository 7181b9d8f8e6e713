#include "domain/money.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdlib>

#include <nlohmann/json.hpp>

namespace chronicle::domain {
namespace {

constexpr std::array<currency, 8> supported_currencies{{
    {"USD", 2},
    {"EUR", 2},
    {"GBP", 2},
    {"INR", 2},
    {"CHF", 2},
    {"CAD", 2},
    {"AUD", 2},
    {"JPY", 0},
}};

// ISO 4217 has no currency with more than four minor digits, so anything outside [0, 4] is a
// hand-built currency: a programmer error, stopped here before it can corrupt arithmetic.
constexpr int minor_digits_max = 4;

// A double printed by the JSON library never has an exponent beyond three digits (the range
// of a double is about 1e-324 to 1e308), which also bounds the text expanded from it.
constexpr std::size_t printed_exponent_digits_max = 3;

void require_valid(const currency& c) {
  if (c.minor_digits < 0 || c.minor_digits > minor_digits_max) {
    std::abort();
  }
}

bool is_digit(char ch) {
  return ch >= '0' && ch <= '9';
}

bool is_all_digits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), is_digit);
}

bool is_all_zeros(std::string_view digits) {
  return digits.find_first_not_of('0') == std::string_view::npos;
}

bool equals_ignoring_case(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) {
    return false;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool upper = text[i] >= 'A' && text[i] <= 'Z';
    const char ch = upper ? static_cast<char>(text[i] - 'A' + 'a') : text[i];
    if (ch != lower[i]) {
      return false;
    }
  }
  return true;
}

bool is_non_finite_word(std::string_view text) {
  return equals_ignoring_case(text, "nan") || equals_ignoring_case(text, "inf") ||
         equals_ignoring_case(text, "infinity");
}

// Removes and returns the leading run of digits of `rest`.
std::string_view take_digits(std::string_view& rest) {
  std::size_t count = 0;
  while (count < rest.size() && is_digit(rest[count])) {
    ++count;
  }
  const std::string_view digits = rest.substr(0, count);
  rest.remove_prefix(count);
  return digits;
}

// True when `rest` is exactly an exponent suffix such as "e3", "E+20" or "e-05".
bool is_exponent_suffix(std::string_view rest) {
  if (rest.empty() || (rest[0] != 'e' && rest[0] != 'E')) {
    return false;
  }
  rest.remove_prefix(1);
  if (!rest.empty() && (rest[0] == '+' || rest[0] == '-')) {
    rest.remove_prefix(1);
  }
  return !take_digits(rest).empty() && rest.empty();
}

// The pieces of a syntactically valid plain decimal, before any check of its value. The views
// point into the text that was split.
struct decimal_text {
  bool negative = false;
  std::string_view integer;
  std::string_view fraction;
};

result<decimal_text, money_error> split_decimal(std::string_view text) {
  decimal_text parts;
  if (!text.empty() && text[0] == '-') {
    parts.negative = true;
    text.remove_prefix(1);
  }
  if (is_non_finite_word(text)) {
    return failure(money_error::not_finite);
  }
  parts.integer = take_digits(text);
  if (!text.empty() && text[0] == '.') {
    text.remove_prefix(1);
    parts.fraction = take_digits(text);
    if (parts.fraction.empty()) {
      return failure(money_error::malformed);
    }
  }
  // A leading zero is only allowed alone, so that every amount has one spelling up to
  // trailing fraction zeros and "007" cannot be mistaken for an octal or a typo.
  if (parts.integer.empty() || (parts.integer.size() > 1 && parts.integer[0] == '0')) {
    return failure(money_error::malformed);
  }
  if (is_exponent_suffix(text)) {
    return failure(money_error::exponent_form);
  }
  if (!text.empty()) {
    return failure(money_error::malformed);
  }
  return parts;
}

// Appends one decimal digit to an amount, refusing before the step that would pass
// amount_minor_max, so that no input length can overflow int64_t.
bool append_digit(int64_t& amount, int64_t digit) {
  if (amount > (amount_minor_max - digit) / 10) {
    return false;
  }
  amount = amount * 10 + digit;
  return true;
}

bool append_digits(int64_t& amount, std::string_view digits) {
  for (const char ch : digits) {
    if (!append_digit(amount, ch - '0')) {
      return false;
    }
  }
  return true;
}

// Reads the exponent of printed text such as "1.5e-05"; false when it is absent or unusable.
bool read_exponent(std::string_view suffix, int& exponent) {
  const bool negative = !suffix.empty() && suffix[0] == '-';
  if (!suffix.empty() && (suffix[0] == '+' || suffix[0] == '-')) {
    suffix.remove_prefix(1);
  }
  if (suffix.empty() || suffix.size() > printed_exponent_digits_max || !is_all_digits(suffix)) {
    return false;
  }
  exponent = 0;
  for (const char ch : suffix) {
    exponent = exponent * 10 + (ch - '0');
  }
  exponent = negative ? -exponent : exponent;
  return true;
}

// Turns a double as printed by dump() ("10.0", "1e+20", "-1.5e-05") into the plain decimal it
// stands for, without trailing fraction zeros ("10", "100000000000000000000", "-0.000015").
// The exponent and the ".0" of whole numbers are the printer's choice, not the client's, so
// parse_amount must not reject them. Text of any other shape is returned unchanged, for
// parse_amount to reject.
std::string plain_decimal(std::string_view printed) {
  const std::string_view sign = !printed.empty() && printed[0] == '-' ? "-" : "";
  const std::string_view unsigned_text = printed.substr(sign.size());
  const std::size_t e = unsigned_text.find_first_of("eE");
  const std::string_view mantissa = unsigned_text.substr(0, e);
  const std::size_t dot = mantissa.find('.');
  std::string digits(mantissa.substr(0, dot));
  if (dot != std::string_view::npos) {
    digits += mantissa.substr(dot + 1);
  }
  int exponent = 0;
  const bool exponent_ok =
      e == std::string_view::npos || read_exponent(unsigned_text.substr(e + 1), exponent);
  if (digits.empty() || !is_all_digits(digits) || !exponent_ok) {
    return std::string(printed);
  }
  const std::size_t integer_length = dot == std::string_view::npos ? mantissa.size() : dot;
  const int point = static_cast<int>(integer_length) + exponent;
  const int length = static_cast<int>(digits.size());
  std::string integer;
  std::string fraction;
  if (point <= 0) {
    integer = "0";
    fraction = std::string(static_cast<std::size_t>(-point), '0') + digits;
  } else if (point >= length) {
    integer = digits + std::string(static_cast<std::size_t>(point - length), '0');
  } else {
    integer = digits.substr(0, static_cast<std::size_t>(point));
    fraction = digits.substr(static_cast<std::size_t>(point));
  }
  integer.erase(0, std::min(integer.find_first_not_of('0'), integer.size() - 1));
  fraction.erase(fraction.find_last_not_of('0') + 1);
  return std::string(sign) + integer + (fraction.empty() ? "" : "." + fraction);
}

}  // namespace

std::string_view describe(money_error error) noexcept {
  switch (error) {
    case money_error::malformed:
      return "The amount is not a plain decimal number such as 12 or 12.50.";
    case money_error::negative: return "The amount is negative; amounts must be greater than zero.";
    case money_error::zero: return "The amount is zero; amounts must be greater than zero.";
    case money_error::too_many_decimals:
      return "The amount has more decimal places than the currency has minor units.";
    case money_error::exponent_form:
      return "The amount uses exponent notation; write it as a plain decimal number.";
    case money_error::not_finite: return "The amount is not a finite number.";
    case money_error::too_large:
      return "The amount is larger than the largest amount a single entry may carry.";
    case money_error::unknown_currency:
      return "The currency is not supported; use an upper-case ISO code such as USD.";
  }
  return "The amount is invalid.";
}

result<currency, money_error> find_currency(std::string_view code) noexcept {
  for (const currency& candidate : supported_currencies) {
    if (candidate.code == code) {
      return candidate;
    }
  }
  return failure(money_error::unknown_currency);
}

result<int64_t, money_error> parse_amount(std::string_view text, const currency& c) {
  require_valid(c);
  const auto parts = split_decimal(text);
  if (!parts) {
    return failure(parts.error());
  }
  const auto minor_digits = static_cast<std::size_t>(c.minor_digits);
  if (parts->fraction.size() > minor_digits) {
    return failure(money_error::too_many_decimals);
  }
  if (is_all_zeros(parts->integer) && is_all_zeros(parts->fraction)) {
    return failure(money_error::zero);
  }
  if (parts->negative) {
    return failure(money_error::negative);
  }
  int64_t amount = 0;
  bool fits = append_digits(amount, parts->integer) && append_digits(amount, parts->fraction);
  for (std::size_t i = parts->fraction.size(); fits && i < minor_digits; ++i) {
    fits = append_digit(amount, 0);
  }
  if (!fits) {
    return failure(money_error::too_large);
  }
  return amount;
}

result<std::string, money_error> amount_text(const nlohmann::json& value) {
  // The pointer accessors are used because they cannot throw, unlike get<T>() on a mismatch.
  if (const auto* text = value.get_ptr<const nlohmann::json::string_t*>()) {
    return *text;
  }
  if (const auto* major = value.get_ptr<const nlohmann::json::number_unsigned_t*>()) {
    return std::to_string(*major);
  }
  if (const auto* major = value.get_ptr<const nlohmann::json::number_integer_t*>()) {
    return std::to_string(*major);
  }
  if (value.is_number_float()) {
    // dump() prints NaN and the infinities as "null"; the JSON parser never makes them, but
    // a value built in code can hold them.
    const std::string printed = value.dump();
    if (printed == "null") {
      return failure(money_error::not_finite);
    }
    return plain_decimal(printed);
  }
  return failure(money_error::malformed);
}

std::string format_amount(int64_t minor, const currency& c) {
  require_valid(c);
  // Negating INT64_MIN overflows, so the magnitude is taken in unsigned arithmetic.
  const uint64_t magnitude =
      minor < 0 ? uint64_t{0} - static_cast<uint64_t>(minor) : static_cast<uint64_t>(minor);
  std::string text = std::to_string(magnitude);
  const auto minor_digits = static_cast<std::size_t>(c.minor_digits);
  if (text.size() <= minor_digits) {
    text.insert(0, minor_digits + 1 - text.size(), '0');
  }
  if (minor_digits > 0) {
    text.insert(text.size() - minor_digits, 1, '.');
  }
  if (minor < 0) {
    text.insert(0, 1, '-');
  }
  return text;
}

}  // namespace chronicle::domain
