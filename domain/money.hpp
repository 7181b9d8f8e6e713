#pragma once

// Money in the ledger: currencies, and exact conversion between decimal text and int64_t
// minor units (cents, pence, yen). No floating point is used anywhere, so an amount that is
// accepted is exactly the amount the client wrote.
//
// Promises:
// - Every parse either yields a positive amount in [1, amount_minor_max] or a money_error;
//   nothing throws and nothing overflows, whatever the input length.
// - Parsing is strict: one canonical-looking decimal form only (no sign, no exponent, no
//   leading zeros, no more fraction digits than the currency has). Clients are told what
//   was wrong instead of having their input guessed at.
// - When several rules are broken, the first of this order is reported: malformed,
//   exponent_form and not_finite (the text is not a plain decimal), then too_many_decimals,
//   zero, negative, too_large. So "-0" is zero and "-1.001" in USD is too_many_decimals.

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "domain/result.hpp"

namespace chronicle::domain {

enum class money_error {
  malformed,
  negative,
  zero,
  too_many_decimals,
  exponent_form,
  not_finite,
  too_large,
  unknown_currency,
};

// A human sentence for an error, suitable for an API response body.
std::string_view describe(money_error error) noexcept;

// A supported ISO 4217 currency. Values come from find_currency; the code views static
// storage, so a currency may be copied and kept freely.
struct currency {
  std::string_view code;
  int minor_digits;
};

// Finds a supported currency by its upper-case ISO code (USD, EUR, GBP, INR, CHF, CAD, AUD,
// JPY). Any other spelling, lower-case included, is unknown_currency.
result<currency, money_error> find_currency(std::string_view code) noexcept;

// The largest single amount, in minor units, that any command may carry.
constexpr int64_t amount_minor_max = 100'000'000'000'000;

// The largest balance, in minor units, that an account may hold; leaves headroom below
// INT64_MAX so that adding one amount to a valid balance cannot overflow.
constexpr int64_t balance_minor_max = 1'000'000'000'000'000'000;

// Parses exact decimal text such as "12", "12.5" or "0.01" into minor units of `c`.
// Grammar: integer part "0" or a digit 1-9 followed by digits, then optionally "." and 1 to
// c.minor_digits digits. A leading '-' on an otherwise valid number is reported as negative;
// exponents ("1e3") as exponent_form; "NaN", "inf", "Infinity" in any case as not_finite.
result<int64_t, money_error> parse_amount(std::string_view text, const currency& c);

// Turns a JSON amount into decimal text for parse_amount, without knowing the currency: the
// HTTP layer calls it, and the account's decider, which alone knows the currency, parses the
// text. For every JSON value v and valid currency c, parse_amount(amount_text(v), c) is the
// amount or the error that the amount in v stands for; a failure here is that error already.
// - A string is returned as it is; parse_amount judges it.
// - An integer becomes its exact decimal digits; a negative one keeps its '-', so that
//   parse_amount reports it as negative.
// - A float has already been turned into a double by the JSON parser; it is re-printed with
//   dump() (shortest round-trip form), expanded out of exponent form and stripped of
//   trailing fraction zeros. That is exact for every value of at most 15 significant digits,
//   which covers every amount up to amount_minor_max in every supported currency. A float
//   written with more digits than a double holds (say 0.1000000000000000001) may be read as
//   its nearest short form (0.1); clients needing strictness should send strings. NaN and
//   the infinities, which only a value built in code can hold, are not_finite.
// - Any other JSON type is malformed.
result<std::string, money_error> amount_text(const nlohmann::json& value);

// Formats minor units as plain decimal text with exactly c.minor_digits fraction digits:
// 1050 USD is "10.50", 500 JPY is "500". Negative values (diagnostics only) get a '-';
// every int64_t, INT64_MIN included, is formatted without overflow.
std::string format_amount(int64_t minor, const currency& c);

}  // namespace chronicle::domain
