// Unit tests for domain/money: every accepted and rejected spelling of an amount, the limits,
// JSON inputs of every type and the formatting round trip. The tables name each case so that
// a failure says which input broke.

#include "domain/money.hpp"

#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace chronicle::domain {
namespace {

using json = nlohmann::json;

currency usd() {
  return *find_currency("USD");
}
currency jpy() {
  return *find_currency("JPY");
}

struct accepted_case {
  std::string_view text;
  int64_t minor;
};

struct rejected_case {
  std::string_view text;
  money_error error;
};

void expect_accepted(const std::vector<accepted_case>& cases, const currency& c) {
  for (const auto& [text, minor] : cases) {
    SCOPED_TRACE(std::string(c.code) + " \"" + std::string(text) + "\"");
    const auto parsed = parse_amount(text, c);
    ASSERT_TRUE(parsed.ok()) << describe(parsed.error());
    EXPECT_EQ(*parsed, minor);
  }
}

void expect_rejected(const std::vector<rejected_case>& cases, const currency& c) {
  for (const auto& [text, error] : cases) {
    SCOPED_TRACE(std::string(c.code) + " \"" + std::string(text) + "\"");
    const auto parsed = parse_amount(text, c);
    ASSERT_FALSE(parsed.ok()) << "parsed as " << parsed.value();
    EXPECT_EQ(parsed.error(), error) << describe(parsed.error());
  }
}

// The path of a JSON amount through the service: the HTTP layer turns it into text, and the
// account's decider parses that text in the account's currency. A failure of amount_text is
// already the answer.
result<int64_t, money_error> parse_json_amount(const json& value, const currency& c) {
  const auto text = amount_text(value);
  if (!text) {
    return failure(text.error());
  }
  return parse_amount(*text, c);
}

// Floats are built by parsing JSON text, so that the tests themselves use no floating point.
result<int64_t, money_error> parse_json_text(std::string_view text, const currency& c) {
  return parse_json_amount(json::parse(text), c);
}

std::string amount_text_of(std::string_view json_text) {
  const auto text = amount_text(json::parse(json_text));
  EXPECT_TRUE(text) << describe(text.error());
  return text ? *text : std::string();
}

// --- find_currency ---

TEST(find_currency, given_supported_codes_when_found_then_minor_digits_match_iso) {
  const std::vector<std::pair<std::string_view, int>> expected = {
      {"USD", 2}, {"EUR", 2}, {"GBP", 2}, {"INR", 2},
      {"CHF", 2}, {"CAD", 2}, {"AUD", 2}, {"JPY", 0},
  };
  for (const auto& [code, digits] : expected) {
    SCOPED_TRACE(code);
    const auto found = find_currency(code);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->code, code);
    EXPECT_EQ(found->minor_digits, digits);
  }
}

TEST(find_currency, given_lower_case_or_unknown_code_when_found_then_unknown_currency) {
  for (const std::string_view code :
       {"usd", "Usd", "jpy", "XYZ", "", "US", "USDD", " USD", "USD ", "BTC"}) {
    SCOPED_TRACE(code);
    const auto found = find_currency(code);
    ASSERT_FALSE(found);
    EXPECT_EQ(found.error(), money_error::unknown_currency);
  }
}

// --- describe ---

TEST(describe, given_every_error_when_described_then_distinct_full_sentences) {
  const std::vector<money_error> errors = {
      money_error::malformed,         money_error::negative,         money_error::zero,
      money_error::too_many_decimals, money_error::exponent_form,    money_error::not_finite,
      money_error::too_large,         money_error::unknown_currency,
  };
  std::set<std::string_view> seen;
  for (const money_error error : errors) {
    const std::string_view sentence = describe(error);
    ASSERT_FALSE(sentence.empty());
    EXPECT_EQ(sentence.back(), '.') << sentence;
    EXPECT_TRUE(sentence.front() >= 'A' && sentence.front() <= 'Z') << sentence;
    EXPECT_TRUE(seen.insert(sentence).second) << "duplicate: " << sentence;
  }
}

// --- parse_amount: accepted ---

TEST(parse_amount, given_usd_when_plain_decimals_then_exact_minor_units) {
  expect_accepted({{"12", 1200},
                   {"12.5", 1250},
                   {"12.50", 1250},
                   {"0.01", 1},
                   {"0.1", 10},
                   {"0.10", 10},
                   {"0.5", 50},
                   {"1", 100},
                   {"10", 1000},
                   {"100.00", 10000},
                   {"1234567.89", 123456789}},
                  usd());
}

TEST(parse_amount, given_every_two_digit_currency_when_two_decimals_then_cents) {
  for (const std::string_view code : {"USD", "EUR", "GBP", "INR", "CHF", "CAD", "AUD"}) {
    const currency c = *find_currency(code);
    expect_accepted({{"1.23", 123}, {"7", 700}, {"0.07", 7}}, c);
    expect_rejected({{"1.234", money_error::too_many_decimals}}, c);
  }
}

TEST(parse_amount, given_jpy_when_whole_yen_then_accepted_as_is) {
  expect_accepted({{"500", 500}, {"1", 1}, {"10", 10}, {"123456", 123456}}, jpy());
}

// --- parse_amount: rejected ---

TEST(parse_amount, given_jpy_when_any_fraction_then_too_many_decimals) {
  expect_rejected({{"1.5", money_error::too_many_decimals},
                   {"1.0", money_error::too_many_decimals},
                   {"0.0", money_error::too_many_decimals},
                   {"500.00", money_error::too_many_decimals},
                   {"1.", money_error::malformed}},
                  jpy());
}

TEST(parse_amount, given_usd_when_more_fraction_digits_than_cents_then_too_many_decimals) {
  expect_rejected({{"1.001", money_error::too_many_decimals},
                   {"1.000", money_error::too_many_decimals},
                   {"0.001", money_error::too_many_decimals},
                   {"12.500", money_error::too_many_decimals},
                   {"0.000", money_error::too_many_decimals}},
                  usd());
}

TEST(parse_amount, given_empty_signs_or_whitespace_when_parsed_then_malformed) {
  expect_rejected({{"", money_error::malformed},
                   {"+5", money_error::malformed},
                   {"+0.01", money_error::malformed},
                   {"-", money_error::malformed},
                   {"--5", money_error::malformed},
                   {"-+5", money_error::malformed},
                   {" 5", money_error::malformed},
                   {"5 ", money_error::malformed},
                   {"5\t", money_error::malformed},
                   {"5\n", money_error::malformed},
                   {"1 000", money_error::malformed},
                   {"- 5", money_error::malformed},
                   {" ", money_error::malformed}},
                  usd());
}

TEST(parse_amount, given_misplaced_dots_or_foreign_characters_when_parsed_then_malformed) {
  expect_rejected({{".5", money_error::malformed},
                   {"5.", money_error::malformed},
                   {".", money_error::malformed},
                   {"-.5", money_error::malformed},
                   {"1.2.3", money_error::malformed},
                   {"1,5", money_error::malformed},
                   {"1,000.00", money_error::malformed},
                   {"1_000", money_error::malformed},
                   {"1'000", money_error::malformed},
                   {"abc", money_error::malformed},
                   {"12a", money_error::malformed},
                   {"0x10", money_error::malformed},
                   {"$5", money_error::malformed},
                   {"5USD", money_error::malformed},
                   {"\xd9\xa1", money_error::malformed},  // ARABIC-INDIC DIGIT ONE.
                   {std::string_view("5\0", 2), money_error::malformed}},
                  usd());
}

TEST(parse_amount, given_leading_zeros_when_parsed_then_malformed_except_single_zero) {
  expect_rejected({{"007", money_error::malformed},
                   {"00", money_error::malformed},
                   {"00.5", money_error::malformed},
                   {"01.00", money_error::malformed},
                   {"-007", money_error::malformed}},
                  usd());
  expect_accepted({{"0.5", 50}, {"0.05", 5}, {"10.05", 1005}}, usd());
  expect_rejected({{"007", money_error::malformed}}, jpy());
}

TEST(parse_amount, given_exponent_notation_when_parsed_then_exponent_form) {
  expect_rejected({{"1e3", money_error::exponent_form},
                   {"1E3", money_error::exponent_form},
                   {"1e+3", money_error::exponent_form},
                   {"1e-3", money_error::exponent_form},
                   {"1.5e2", money_error::exponent_form},
                   {"-1e3", money_error::exponent_form},
                   {"0e0", money_error::exponent_form}},
                  usd());
  expect_rejected({{"1e3", money_error::exponent_form}}, jpy());
}

TEST(parse_amount, given_incomplete_exponent_when_parsed_then_malformed) {
  expect_rejected({{"1e", money_error::malformed},
                   {"1e+", money_error::malformed},
                   {"e3", money_error::malformed},
                   {"1e3.5", money_error::malformed},
                   {"1.e3", money_error::malformed},
                   {".5e3", money_error::malformed}},
                  usd());
}

TEST(parse_amount, given_nan_or_infinity_in_any_case_when_parsed_then_not_finite) {
  expect_rejected({{"NaN", money_error::not_finite},
                   {"nan", money_error::not_finite},
                   {"NAN", money_error::not_finite},
                   {"Infinity", money_error::not_finite},
                   {"infinity", money_error::not_finite},
                   {"iNfInItY", money_error::not_finite},
                   {"inf", money_error::not_finite},
                   {"INF", money_error::not_finite},
                   {"-inf", money_error::not_finite},
                   {"-Infinity", money_error::not_finite},
                   {"-NaN", money_error::not_finite}},
                  usd());
  expect_rejected({{"NaN", money_error::not_finite}}, jpy());
}

TEST(parse_amount, given_near_words_for_infinity_when_parsed_then_malformed) {
  expect_rejected({{"+inf", money_error::malformed},
                   {"infinite", money_error::malformed},
                   {"nan0", money_error::malformed},
                   {" NaN", money_error::malformed}},
                  usd());
}

TEST(parse_amount, given_zero_in_any_spelling_when_parsed_then_zero) {
  expect_rejected({{"0", money_error::zero},
                   {"0.0", money_error::zero},
                   {"0.00", money_error::zero},
                   {"-0", money_error::zero},
                   {"-0.00", money_error::zero}},
                  usd());
  expect_rejected({{"0", money_error::zero}}, jpy());
}

TEST(parse_amount, given_minus_sign_on_valid_amount_when_parsed_then_negative) {
  expect_rejected({{"-5", money_error::negative},
                   {"-0.01", money_error::negative},
                   {"-12.50", money_error::negative},
                   {"-99999999999999999999999999", money_error::negative}},
                  usd());
  expect_rejected({{"-500", money_error::negative}}, jpy());
}

TEST(parse_amount, given_several_broken_rules_when_parsed_then_first_in_documented_order) {
  expect_rejected({{"-1.001", money_error::too_many_decimals},
                   {"-0.000", money_error::too_many_decimals},
                   {"99999999999999999999.999", money_error::too_many_decimals}},
                  usd());
}

TEST(parse_amount, given_exactly_amount_minor_max_when_parsed_then_accepted) {
  ASSERT_EQ(amount_minor_max, int64_t{100'000'000'000'000});
  expect_accepted({{"1000000000000.00", amount_minor_max},
                   {"1000000000000", amount_minor_max},
                   {"999999999999.99", amount_minor_max - 1}},
                  usd());
  expect_accepted({{"100000000000000", amount_minor_max}, {"99999999999999", amount_minor_max - 1}},
                  jpy());
}

TEST(parse_amount, given_one_minor_unit_above_max_when_parsed_then_too_large) {
  expect_rejected({{"1000000000000.01", money_error::too_large},
                   {"1000000000000.1", money_error::too_large},
                   {"1000000000001", money_error::too_large}},
                  usd());
  expect_rejected({{"100000000000001", money_error::too_large}}, jpy());
}

TEST(parse_amount, given_digit_strings_beyond_int64_when_parsed_then_too_large_without_overflow) {
  const std::string huge(1000, '9');
  const std::string huge_with_cents = huge + ".99";
  expect_rejected({{"9223372036854775807", money_error::too_large},
                   {"9223372036854775808", money_error::too_large},
                   {"18446744073709551616", money_error::too_large},
                   {"92233720368547758.07", money_error::too_large},
                   {"92233720368547758.08", money_error::too_large},
                   {"99999999999999999999999999.99", money_error::too_large},
                   {huge, money_error::too_large},
                   {huge_with_cents, money_error::too_large}},
                  usd());
  expect_rejected({{"9223372036854775808", money_error::too_large}, {huge, money_error::too_large}},
                  jpy());
}

TEST(money_limits, given_balance_limit_when_compared_then_headroom_for_one_amount) {
  EXPECT_EQ(balance_minor_max, int64_t{1'000'000'000'000'000'000});
  EXPECT_LE(balance_minor_max, std::numeric_limits<int64_t>::max() - amount_minor_max);
  EXPECT_LT(amount_minor_max, balance_minor_max);
}

// --- amount_text ---

TEST(amount_text, given_json_string_when_converted_then_returned_as_is) {
  for (const std::string_view text :
       {"12.50", "500", "1e3", "NaN", "-5", "", " 12", "007", "abc", "\xd9\xa1"}) {
    SCOPED_TRACE(text);
    const auto converted = amount_text(json(std::string(text)));
    ASSERT_TRUE(converted) << describe(converted.error());
    EXPECT_EQ(*converted, text);
  }
  const std::string with_nul("5\0", 2);
  EXPECT_EQ(*amount_text(json(with_nul)), with_nul);
}

TEST(amount_text, given_json_integer_when_converted_then_exact_decimal_digits) {
  EXPECT_EQ(amount_text_of("12"), "12");
  EXPECT_EQ(amount_text_of("0"), "0");
  EXPECT_EQ(amount_text_of("-0"), "0");
  EXPECT_EQ(amount_text_of("-5"), "-5");
  EXPECT_EQ(amount_text_of("18446744073709551615"), "18446744073709551615");
  EXPECT_EQ(amount_text_of("-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(*amount_text(json(int64_t{7})), "7");
  EXPECT_EQ(*amount_text(json(uint64_t{7})), "7");
  EXPECT_EQ(*amount_text(json(std::numeric_limits<int64_t>::max())), "9223372036854775807");
  EXPECT_EQ(*amount_text(json(std::numeric_limits<int64_t>::min())), "-9223372036854775808");
  EXPECT_EQ(*amount_text(json(std::numeric_limits<uint64_t>::max())), "18446744073709551615");
}

TEST(amount_text, given_json_float_when_converted_then_plain_decimal_without_trailing_zeros) {
  EXPECT_EQ(amount_text_of("10.5"), "10.5");
  EXPECT_EQ(amount_text_of("10.50"), "10.5");
  EXPECT_EQ(amount_text_of("10.0"), "10");
  EXPECT_EQ(amount_text_of("1.000"), "1");
  EXPECT_EQ(amount_text_of("0.01"), "0.01");
  EXPECT_EQ(amount_text_of("1E2"), "100");
  EXPECT_EQ(amount_text_of("15e-1"), "1.5");
  EXPECT_EQ(amount_text_of("1e20"), "100000000000000000000");
  EXPECT_EQ(amount_text_of("1e-5"), "0.00001");
  EXPECT_EQ(amount_text_of("0.0"), "0");
  EXPECT_EQ(amount_text_of("-0.0"), "-0");
  EXPECT_EQ(amount_text_of("-10.5"), "-10.5");
  EXPECT_EQ(amount_text_of("-1e20"), "-100000000000000000000");
}

TEST(amount_text, given_json_float_not_finite_when_converted_then_not_finite) {
  // The JSON parser cannot produce these, but a value built in code can; building one is the
  // only floating point in these tests.
  using limits = std::numeric_limits<json::number_float_t>;
  for (const json& value :
       {json(limits::quiet_NaN()), json(limits::infinity()), json(-limits::infinity())}) {
    const auto converted = amount_text(value);
    ASSERT_FALSE(converted) << "converted to " << converted.value();
    EXPECT_EQ(converted.error(), money_error::not_finite);
  }
}

TEST(amount_text, given_non_numeric_json_types_when_converted_then_malformed) {
  const std::vector<json> values = {json(true),           json(false),
                                    json(nullptr),        json::array(),
                                    json::array({12}),    json::array({"12.50"}),
                                    json::object(),       json::object({{"amount", 12}}),
                                    json::binary({1, 2}), json(json::value_t::discarded)};
  for (const json& value : values) {
    SCOPED_TRACE(value.type_name());
    const auto converted = amount_text(value);
    ASSERT_FALSE(converted) << "converted to " << converted.value();
    EXPECT_EQ(converted.error(), money_error::malformed);
  }
}

// --- amount_text then parse_amount: the decider's answer for a JSON amount ---

TEST(parse_json_amount, given_json_string_when_parsed_then_same_rules_as_text) {
  EXPECT_EQ(*parse_json_amount(json("12.50"), usd()), 1250);
  EXPECT_EQ(*parse_json_amount(json("500"), jpy()), 500);
  EXPECT_EQ(parse_json_amount(json("1e3"), usd()).error(), money_error::exponent_form);
  EXPECT_EQ(parse_json_amount(json("NaN"), usd()).error(), money_error::not_finite);
  EXPECT_EQ(parse_json_amount(json("1.001"), usd()).error(), money_error::too_many_decimals);
  EXPECT_EQ(parse_json_amount(json(""), usd()).error(), money_error::malformed);
  EXPECT_EQ(parse_json_amount(json(" 12"), usd()).error(), money_error::malformed);
}

TEST(parse_json_amount, given_json_integer_when_parsed_then_major_units_scaled_exactly) {
  EXPECT_EQ(*parse_json_text("12", usd()), 1200);
  EXPECT_EQ(*parse_json_text("500", jpy()), 500);
  EXPECT_EQ(*parse_json_amount(json(int64_t{7}), usd()), 700);
  EXPECT_EQ(*parse_json_amount(json(uint64_t{7}), usd()), 700);
}

TEST(parse_json_amount, given_json_integer_at_and_above_limit_when_parsed_then_boundary_holds) {
  EXPECT_EQ(*parse_json_text("1000000000000", usd()), amount_minor_max);
  EXPECT_EQ(parse_json_text("1000000000001", usd()).error(), money_error::too_large);
  EXPECT_EQ(*parse_json_text("100000000000000", jpy()), amount_minor_max);
  EXPECT_EQ(parse_json_text("100000000000001", jpy()).error(), money_error::too_large);
  EXPECT_EQ(parse_json_text("9223372036854775807", usd()).error(), money_error::too_large);
  EXPECT_EQ(parse_json_text("18446744073709551615", jpy()).error(), money_error::too_large);
  EXPECT_EQ(parse_json_amount(json(std::numeric_limits<int64_t>::max()), usd()).error(),
            money_error::too_large);
}

TEST(parse_json_amount, given_json_integer_zero_or_negative_when_parsed_then_rejected) {
  EXPECT_EQ(parse_json_text("0", usd()).error(), money_error::zero);
  EXPECT_EQ(parse_json_text("-0", usd()).error(), money_error::zero);
  EXPECT_EQ(parse_json_text("-5", usd()).error(), money_error::negative);
  EXPECT_EQ(parse_json_text("-9223372036854775808", usd()).error(), money_error::negative);
  EXPECT_EQ(parse_json_amount(json(std::numeric_limits<int64_t>::min()), jpy()).error(),
            money_error::negative);
}

TEST(parse_json_amount, given_json_float_with_few_digits_when_parsed_then_exact) {
  EXPECT_EQ(*parse_json_text("10.5", usd()), 1050);
  EXPECT_EQ(*parse_json_text("10.50", usd()), 1050);
  EXPECT_EQ(*parse_json_text("0.1", usd()), 10);
  EXPECT_EQ(*parse_json_text("0.01", usd()), 1);
  EXPECT_EQ(*parse_json_text("0.07", usd()), 7);
  EXPECT_EQ(*parse_json_text("1.15", usd()), 115);
  EXPECT_EQ(*parse_json_text("10.0", usd()), 1000);
  EXPECT_EQ(*parse_json_text("1.000", usd()), 100);
  EXPECT_EQ(*parse_json_text("1E2", usd()), 10000);
  EXPECT_EQ(*parse_json_text("15e-1", usd()), 150);
}

TEST(parse_json_amount, given_whole_json_float_when_currency_has_no_minor_digits_then_accepted) {
  // dump() prints 10.0 as "10.0"; that ".0" is the printer's, so it must not count as a
  // decimal place the yen lacks.
  EXPECT_EQ(*parse_json_text("10.0", jpy()), 10);
  EXPECT_EQ(*parse_json_text("1e3", jpy()), 1000);
  EXPECT_EQ(parse_json_text("10.5", jpy()).error(), money_error::too_many_decimals);
}

TEST(parse_json_amount, given_json_float_at_and_above_limit_when_parsed_then_boundary_holds) {
  EXPECT_EQ(*parse_json_text("1000000000000.00", usd()), amount_minor_max);
  EXPECT_EQ(*parse_json_text("999999999999.99", usd()), amount_minor_max - 1);
  EXPECT_EQ(parse_json_text("1000000000000.01", usd()).error(), money_error::too_large);
  EXPECT_EQ(*parse_json_text("100000000000000.0", jpy()), amount_minor_max);
  EXPECT_EQ(*parse_json_text("1e14", jpy()), amount_minor_max);
  EXPECT_EQ(parse_json_text("1e15", jpy()).error(), money_error::too_large);
  EXPECT_EQ(parse_json_text("1e20", usd()).error(), money_error::too_large);
  EXPECT_EQ(parse_json_text("1.7976931348623157e308", usd()).error(), money_error::too_large);
}

TEST(parse_json_amount, given_json_float_too_precise_when_parsed_then_too_many_decimals) {
  EXPECT_EQ(parse_json_text("1.005", usd()).error(), money_error::too_many_decimals);
  EXPECT_EQ(parse_json_text("0.00001", usd()).error(), money_error::too_many_decimals);
  EXPECT_EQ(parse_json_text("1e-5", usd()).error(), money_error::too_many_decimals);
  EXPECT_EQ(parse_json_text("5e-324", usd()).error(), money_error::too_many_decimals);
}

TEST(parse_json_amount, given_json_float_zero_or_negative_when_parsed_then_rejected) {
  EXPECT_EQ(parse_json_text("0.0", usd()).error(), money_error::zero);
  EXPECT_EQ(parse_json_text("-0.0", usd()).error(), money_error::zero);
  EXPECT_EQ(parse_json_text("0e5", usd()).error(), money_error::zero);
  EXPECT_EQ(parse_json_text("-10.5", usd()).error(), money_error::negative);
  EXPECT_EQ(parse_json_text("-1e20", usd()).error(), money_error::negative);
}

// --- format_amount ---

TEST(format_amount, given_minor_units_when_formatted_then_fixed_minor_digits) {
  EXPECT_EQ(format_amount(1050, usd()), "10.50");
  EXPECT_EQ(format_amount(0, usd()), "0.00");
  EXPECT_EQ(format_amount(1, usd()), "0.01");
  EXPECT_EQ(format_amount(10, usd()), "0.10");
  EXPECT_EQ(format_amount(100, usd()), "1.00");
  EXPECT_EQ(format_amount(amount_minor_max, usd()), "1000000000000.00");
  EXPECT_EQ(format_amount(500, jpy()), "500");
  EXPECT_EQ(format_amount(0, jpy()), "0");
}

TEST(format_amount, given_negative_balances_when_formatted_then_minus_sign) {
  EXPECT_EQ(format_amount(-1050, usd()), "-10.50");
  EXPECT_EQ(format_amount(-1, usd()), "-0.01");
  EXPECT_EQ(format_amount(-500, jpy()), "-500");
}

TEST(format_amount, given_int64_extremes_when_formatted_then_no_overflow) {
  EXPECT_EQ(format_amount(std::numeric_limits<int64_t>::min(), usd()), "-92233720368547758.08");
  EXPECT_EQ(format_amount(std::numeric_limits<int64_t>::max(), usd()), "92233720368547758.07");
  EXPECT_EQ(format_amount(std::numeric_limits<int64_t>::min(), jpy()), "-9223372036854775808");
  EXPECT_EQ(format_amount(balance_minor_max, usd()), "10000000000000000.00");
}

TEST(format_amount, given_canonical_text_when_parsed_and_formatted_then_same_text) {
  const std::vector<std::pair<std::string_view, std::vector<std::string_view>>> cases = {
      {"USD", {"0.01", "0.10", "1.00", "10.50", "12.34", "999999999999.99", "1000000000000.00"}},
      {"EUR", {"0.99", "100.00"}},
      {"GBP", {"5.05"}},
      {"INR", {"123456.78"}},
      {"CHF", {"0.05"}},
      {"CAD", {"42.00"}},
      {"AUD", {"7.70"}},
      {"JPY", {"1", "500", "100000000000000"}},
  };
  for (const auto& [code, texts] : cases) {
    const currency c = *find_currency(code);
    for (const std::string_view text : texts) {
      SCOPED_TRACE(std::string(code) + " " + std::string(text));
      const auto parsed = parse_amount(text, c);
      ASSERT_TRUE(parsed) << describe(parsed.error());
      EXPECT_EQ(format_amount(*parsed, c), text);
    }
  }
}

TEST(format_amount, given_every_valid_amount_sample_when_round_tripped_then_same_minor) {
  for (const int64_t minor : {int64_t{1}, int64_t{9}, int64_t{99}, int64_t{100}, int64_t{101},
                              int64_t{123456789}, amount_minor_max - 1, amount_minor_max}) {
    for (const currency c : {usd(), jpy()}) {
      SCOPED_TRACE(std::to_string(minor) + " " + std::string(c.code));
      const auto parsed = parse_amount(format_amount(minor, c), c);
      ASSERT_TRUE(parsed) << describe(parsed.error());
      EXPECT_EQ(*parsed, minor);
    }
  }
}

// --- result ---

TEST(result, given_value_or_failure_when_inspected_then_right_alternative) {
  const result<int64_t, money_error> good = int64_t{5};
  const result<int64_t, money_error> bad = failure(money_error::zero);
  EXPECT_TRUE(good.ok());
  EXPECT_TRUE(static_cast<bool>(good));
  EXPECT_EQ(good.value(), 5);
  EXPECT_FALSE(bad.ok());
  EXPECT_FALSE(static_cast<bool>(bad));
  EXPECT_EQ(bad.error(), money_error::zero);
  // The same type on both sides must still be unambiguous.
  const result<std::string, std::string> same = failure(std::string("boom"));
  EXPECT_FALSE(same.ok());
  EXPECT_EQ(same.error(), "boom");
  const result<std::string, std::string> same_ok = std::string("fine");
  EXPECT_EQ(same_ok->size(), 4U);
}

TEST(result_death, given_failure_when_value_taken_then_aborts) {
  const result<int64_t, money_error> bad = failure(money_error::zero);
  EXPECT_DEATH({ (void)bad.value(); }, "");
}

}  // namespace
}  // namespace chronicle::domain
