// Unit tests for domain/ids: the validation of account ids, idempotency keys and free text at
// their byte limits, the shape of random UUIDs, and the instant format that is part of every
// event's hash input.

#include "domain/ids.hpp"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace chronicle::domain {
namespace {

using namespace std::string_literals;

constexpr micros micros_per_second = 1'000'000;
constexpr micros micros_per_day = 86'400 * micros_per_second;

bool is_lower_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

// ---------------------------------------------------------------------------------------------
// valid_account_id

TEST(valid_account_id, given_every_allowed_character_class_when_validated_then_accepted) {
  for (const std::string_view id : {"a", "Z", "7", "_", "-", "acc-1_main-EUR", "0000"}) {
    SCOPED_TRACE(std::string{id});
    EXPECT_TRUE(valid_account_id(id));
  }
}

TEST(valid_account_id, given_empty_id_when_validated_then_rejected) {
  EXPECT_FALSE(valid_account_id(""));
}

TEST(valid_account_id, given_64_characters_when_validated_then_accepted) {
  EXPECT_TRUE(valid_account_id(std::string(account_id_bytes_max, 'a')));
}

TEST(valid_account_id, given_65_characters_when_validated_then_rejected) {
  EXPECT_FALSE(valid_account_id(std::string(account_id_bytes_max + 1, 'a')));
}

TEST(valid_account_id, given_characters_unsafe_in_urls_or_subjects_when_validated_then_rejected) {
  const std::vector<std::string> ids = {
      "a/b",          "a b",  "a*",   "a>",    "a?",          "a%20", "a.b", ".",
      "a:b",          "a\tb", "a\nb", "a\0b"s, "caf\xC3\xA9",
      "\xE2\x82\xAC",  // the euro sign alone
  };
  for (const auto& id : ids) {
    SCOPED_TRACE(id);
    EXPECT_FALSE(valid_account_id(id));
  }
}

// ---------------------------------------------------------------------------------------------
// valid_idempotency_key

TEST(valid_idempotency_key, given_printable_ascii_when_validated_then_accepted) {
  EXPECT_TRUE(valid_idempotency_key("k"));
  EXPECT_TRUE(valid_idempotency_key("!~{}[]/\\\"'?#@=+,;:"));
  EXPECT_TRUE(valid_idempotency_key("7f0e4c2a-2d6b-4b47-9a51-0c8f1f3b7e21"));
}

TEST(valid_idempotency_key, given_128_characters_when_validated_then_accepted) {
  EXPECT_TRUE(valid_idempotency_key(std::string(idempotency_key_bytes_max, 'k')));
}

TEST(valid_idempotency_key, given_129_characters_when_validated_then_rejected) {
  EXPECT_FALSE(valid_idempotency_key(std::string(idempotency_key_bytes_max + 1, 'k')));
}

TEST(valid_idempotency_key, given_empty_key_when_validated_then_rejected) {
  EXPECT_FALSE(valid_idempotency_key(""));
}

TEST(valid_idempotency_key, given_space_control_del_or_non_ascii_when_validated_then_rejected) {
  const std::vector<std::string> keys = {
      "a b", " key", "key ", "a\tb", "a\nb", "a\rb", "a\x01z", "a\0b"s, "a\x7F", "caf\xC3\xA9",
  };
  for (const auto& key : keys) {
    SCOPED_TRACE(key);
    EXPECT_FALSE(valid_idempotency_key(key));
  }
}

// ---------------------------------------------------------------------------------------------
// valid_text

TEST(valid_text, given_ascii_and_empty_text_when_validated_then_accepted) {
  EXPECT_TRUE(valid_text("", 10));
  EXPECT_TRUE(valid_text("Ada Lovelace", 200));
  EXPECT_TRUE(valid_text("~ !\"#$%&'()*+,-./", 200));
}

TEST(valid_text, given_valid_multi_byte_sequences_when_validated_then_accepted) {
  EXPECT_TRUE(valid_text("caf\xC3\xA9", 200));               // 2 bytes: é
  EXPECT_TRUE(valid_text("\xE2\x82\xAC 10", 200));           // 3 bytes: €
  EXPECT_TRUE(valid_text("\xE6\x97\xA5\xE6\x9C\xAC", 200));  // 日本
  EXPECT_TRUE(valid_text("\xF0\x9F\x92\xB0", 200));          // 4 bytes: 💰
  EXPECT_TRUE(valid_text("\xC2\x80\xDF\xBF", 200));          // U+0080 and U+07FF
  EXPECT_TRUE(valid_text("\xEF\xBF\xBF", 200));              // U+FFFF
  EXPECT_TRUE(valid_text("\xF4\x8F\xBF\xBF", 200));          // U+10FFFF, the last code point
}

TEST(valid_text, given_truncated_sequences_when_validated_then_rejected) {
  const std::vector<std::string> texts = {
      "caf\xC3", "\xE2\x82", "\xF0\x9F\x92", "\xE2\x82 x", "\xF0\x9F\x92z",
  };
  for (const auto& text : texts) {
    SCOPED_TRACE(::testing::PrintToString(text));
    EXPECT_FALSE(valid_text(text, 200));
  }
}

TEST(valid_text, given_stray_continuation_or_invalid_lead_bytes_when_validated_then_rejected) {
  const std::vector<std::string> texts = {"\x80", "a\xBF", "\xF5\x80\x80\x80", "\xF8", "\xFF"};
  for (const auto& text : texts) {
    SCOPED_TRACE(::testing::PrintToString(text));
    EXPECT_FALSE(valid_text(text, 200));
  }
}

TEST(valid_text, given_overlong_two_byte_lead_c0_or_c1_when_validated_then_rejected) {
  EXPECT_FALSE(valid_text("\xC0\xAF", 200));  // an overlong '/'
  EXPECT_FALSE(valid_text("\xC0\x80", 200));  // an overlong NUL ("modified UTF-8")
  EXPECT_FALSE(valid_text("\xC1\xBF", 200));
}

TEST(valid_text, given_overlong_three_and_four_byte_forms_when_validated_then_rejected) {
  EXPECT_FALSE(valid_text("\xE0\x80\xAF", 200));      // an overlong '/'
  EXPECT_FALSE(valid_text("\xE0\x9F\xBF", 200));      // U+07FF in three bytes
  EXPECT_FALSE(valid_text("\xF0\x80\x80\xAF", 200));  // an overlong '/'
  EXPECT_FALSE(valid_text("\xF0\x8F\xBF\xBF", 200));  // U+FFFF in four bytes
  EXPECT_TRUE(valid_text("\xE0\xA0\x80", 200));       // U+0800, the first three-byte form
  EXPECT_TRUE(valid_text("\xF0\x90\x80\x80", 200));   // U+10000, the first four-byte form
}

TEST(valid_text, given_surrogates_or_code_points_past_10ffff_when_validated_then_rejected) {
  EXPECT_FALSE(valid_text("\xED\xA0\x80", 200));      // U+D800, a lone high surrogate
  EXPECT_FALSE(valid_text("\xED\xBF\xBF", 200));      // U+DFFF, a lone low surrogate
  EXPECT_FALSE(valid_text("\xF4\x90\x80\x80", 200));  // U+110000
  EXPECT_TRUE(valid_text("\xED\x9F\xBF", 200));       // U+D7FF, just below the surrogates
}

TEST(valid_text, given_control_characters_when_validated_then_rejected) {
  const std::vector<std::string> texts = {
      "a\tb", "a\nb", "a\rb", "\x01", "\x1F", "a\x7F", "\x1B[31m",
  };
  for (const auto& text : texts) {
    SCOPED_TRACE(::testing::PrintToString(text));
    EXPECT_FALSE(valid_text(text, 200));
  }
}

TEST(valid_text, given_nul_byte_when_validated_then_rejected) {
  EXPECT_FALSE(valid_text("a\0b"s, 200));
  EXPECT_FALSE(valid_text("\0"s, 200));
}

TEST(valid_text, given_text_of_exactly_bytes_max_when_validated_then_accepted) {
  EXPECT_TRUE(valid_text(std::string(description_bytes_max, 'x'), description_bytes_max));
}

TEST(valid_text, given_text_one_byte_past_bytes_max_when_validated_then_rejected) {
  EXPECT_FALSE(valid_text(std::string(description_bytes_max + 1, 'x'), description_bytes_max));
}

TEST(valid_text, given_multi_byte_text_when_validated_then_limit_counts_bytes_not_characters) {
  const std::string two_euros = "\xE2\x82\xAC\xE2\x82\xAC";  // 2 characters, 6 bytes
  EXPECT_TRUE(valid_text(two_euros, 6));
  EXPECT_FALSE(valid_text(two_euros, 5));
}

// ---------------------------------------------------------------------------------------------
// new_uuid

TEST(new_uuid, given_a_draw_when_inspected_then_canonical_lower_case_8_4_4_4_12_form) {
  const std::string uuid = new_uuid();
  ASSERT_EQ(uuid.size(), 36u) << uuid;
  for (std::size_t i = 0; i < uuid.size(); ++i) {
    SCOPED_TRACE(uuid + " at " + std::to_string(i));
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      EXPECT_EQ(uuid[i], '-');
    } else {
      EXPECT_TRUE(is_lower_hex(uuid[i]));
    }
  }
}

TEST(new_uuid, given_many_draws_when_inspected_then_version_4_and_rfc_4122_variant) {
  for (int i = 0; i < 200; ++i) {
    const std::string uuid = new_uuid();
    SCOPED_TRACE(uuid);
    EXPECT_EQ(uuid[14], '4');
    EXPECT_NE(std::string_view{"89ab"}.find(uuid[19]), std::string_view::npos);
  }
}

TEST(new_uuid, given_1000_draws_when_compared_then_all_distinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(new_uuid());
  EXPECT_EQ(seen.size(), 1000u);
}

// ---------------------------------------------------------------------------------------------
// format_instant

TEST(format_instant, given_epoch_when_formatted_then_six_fraction_digits_and_z) {
  EXPECT_EQ(format_instant(0), "1970-01-01T00:00:00.000000Z");
}

TEST(format_instant, given_known_instant_when_formatted_then_exact_utc_text) {
  // date -u -d @1764154117 → 2025-11-26T10:48:37
  EXPECT_EQ(format_instant(1'764'154'117'123'456), "2025-11-26T10:48:37.123456Z");
  EXPECT_EQ(format_instant(1'764'154'117'000'001), "2025-11-26T10:48:37.000001Z");
  EXPECT_EQ(format_instant(951'868'799'999'999), "2000-02-29T23:59:59.999999Z");
  EXPECT_EQ(format_instant(253'402'300'799'999'999), "9999-12-31T23:59:59.999999Z");
}

TEST(format_instant,
     given_negative_instants_when_formatted_then_before_epoch_with_positive_fraction) {
  EXPECT_EQ(format_instant(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(format_instant(-micros_per_second), "1969-12-31T23:59:59.000000Z");
  EXPECT_EQ(format_instant(-micros_per_day), "1969-12-31T00:00:00.000000Z");
  EXPECT_EQ(format_instant(-2'208'988'800'000'000), "1900-01-01T00:00:00.000000Z");
}

// ---------------------------------------------------------------------------------------------
// parse_instant

TEST(parse_instant, given_canonical_text_when_parsed_then_exact_micros) {
  EXPECT_EQ(parse_instant("1970-01-01T00:00:00.000000Z"), std::optional<micros>{0});
  EXPECT_EQ(parse_instant("2025-11-26T10:48:37.123456Z"),
            std::optional<micros>{1'764'154'117'123'456});
  EXPECT_EQ(parse_instant("1969-12-31T23:59:59.999999Z"), std::optional<micros>{-1});
  EXPECT_EQ(parse_instant("1900-01-01T00:00:00.000000Z"),
            std::optional<micros>{-2'208'988'800'000'000});
}

TEST(parse_instant, given_postgresql_text_with_short_fraction_when_parsed_then_scaled_to_micros) {
  // date -u -d "2026-11-26 10:48:37" +%s → 1795690117
  EXPECT_EQ(parse_instant("2026-11-26 10:48:37.1234+00"),
            std::optional<micros>{1'795'690'117'123'400});
  EXPECT_EQ(parse_instant("2026-11-26 10:48:37.5+00"),
            std::optional<micros>{1'795'690'117'500'000});
  EXPECT_EQ(parse_instant("2026-11-26 10:48:37.000001+00"),
            std::optional<micros>{1'795'690'117'000'001});
}

TEST(parse_instant, given_postgresql_text_without_fraction_when_parsed_then_whole_second) {
  EXPECT_EQ(parse_instant("2026-11-26 10:48:37+00"), std::optional<micros>{1'795'690'117'000'000});
}

TEST(parse_instant, given_utc_spelled_plus_00_00_when_parsed_then_accepted) {
  EXPECT_EQ(parse_instant("2026-11-26T10:48:37+00:00"),
            std::optional<micros>{1'795'690'117'000'000});
}

TEST(parse_instant, given_garbage_when_parsed_then_nullopt) {
  const std::vector<std::string_view> texts = {
      "",
      "now",
      "2026",
      "2026-11-26",
      "2026-11-26T10:48",
      "2026/11/26T10:48:37Z",
      "2026-11-26X10:48:37Z",
      "2026-1a-26T10:48:37Z",
      "2026-11-26T10:48:37",     // no zone at all
      "2026-11-26T10:48:37.Z",   // a point without digits
      "2026-11-26T10:48:37.1x",  // junk after the fraction
      "2026-11-26T10:48:37Z ",   // trailing space
      " 2026-11-26T10:48:37Z",   // leading space
      "2026-13-01T00:00:00Z",
      "2026-00-01T00:00:00Z",
      "2026-11-00T00:00:00Z",
      "2026-11-32T00:00:00Z",
      "2026-11-26T24:00:00Z",
      "2026-11-26T10:60:00Z",
  };
  for (const auto text : texts) {
    SCOPED_TRACE(std::string{text});
    EXPECT_EQ(parse_instant(text), std::nullopt);
  }
}

TEST(parse_instant, given_day_past_end_of_its_month_when_parsed_then_nullopt) {
  EXPECT_EQ(parse_instant("2026-02-29T00:00:00Z"), std::nullopt);  // 2026 is no leap year
  EXPECT_EQ(parse_instant("2026-02-31T00:00:00Z"), std::nullopt);
  EXPECT_EQ(parse_instant("2026-04-31T00:00:00Z"), std::nullopt);
  EXPECT_EQ(parse_instant("1900-02-29T00:00:00Z"), std::nullopt);  // centuries are not leap
  EXPECT_NE(parse_instant("2000-02-29T00:00:00Z"), std::nullopt);  // unless divisible by 400
  EXPECT_NE(parse_instant("2024-02-29T00:00:00Z"), std::nullopt);
  EXPECT_NE(parse_instant("2026-12-31T00:00:00Z"), std::nullopt);
}

TEST(parse_instant, given_zone_other_than_utc_when_parsed_then_nullopt) {
  for (const std::string_view text :
       {"2026-11-26 10:48:37.1234+01", "2026-11-26 10:48:37-00", "2026-11-26T10:48:37+00:30",
        "2026-11-26T10:48:37z", "2026-11-26T10:48:37UTC", "2026-11-26T10:48:37+0"}) {
    SCOPED_TRACE(std::string{text});
    EXPECT_EQ(parse_instant(text), std::nullopt);
  }
}

TEST(parse_instant, given_seven_fraction_digits_when_parsed_then_nullopt) {
  EXPECT_EQ(parse_instant("2026-11-26T10:48:37.1234567Z"), std::nullopt);
  EXPECT_EQ(parse_instant("2026-11-26 10:48:37.1234567+00"), std::nullopt);
}

TEST(parse_instant, given_formatted_instants_over_a_wide_range_when_parsed_then_round_trip) {
  // Steps that are prime in microseconds visit every fraction digit, every time of day and
  // month ends, leap days included, from 1900 to 2100.
  constexpr micros first = -2'208'988'800'000'000;  // 1900-01-01
  constexpr micros last = 4'102'444'800'000'000;    // 2100-01-01
  constexpr micros step = 3'600'000'000 * 37 + 999'983;
  int checked = 0;
  for (micros at = first; at <= last; at += step) {
    const std::string text = format_instant(at);
    const auto parsed = parse_instant(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    ASSERT_EQ(*parsed, at) << text;
    ++checked;
  }
  EXPECT_GT(checked, 40'000);
}

TEST(parse_instant, given_instants_around_the_epoch_when_round_tripped_then_exact) {
  for (micros at = -2'000'003; at <= 2'000'003; at += 999'999) {
    EXPECT_EQ(parse_instant(format_instant(at)), std::optional<micros>{at}) << at;
  }
}

// ---------------------------------------------------------------------------------------------
// parse_client_instant

TEST(parse_client_instant, given_every_form_parse_instant_accepts_then_same_instant) {
  for (const std::string_view text :
       {"2026-11-26T10:48:37.123456Z", "2026-11-26T10:48:37Z", "2026-11-26T10:48:37.5Z",
        "2026-11-26T10:48:37+00:00", "2026-11-26 10:48:37.1234+00",
        "1969-12-31T23:59:59.999999Z"}) {
    SCOPED_TRACE(std::string{text});
    ASSERT_TRUE(parse_instant(text).has_value());
    EXPECT_EQ(parse_client_instant(text), parse_instant(text));
  }
}

TEST(parse_client_instant, given_offsets_other_than_utc_then_converted_to_utc) {
  constexpr micros utc = 1'795'690'117'000'000;  // 2026-11-26T10:48:37Z
  EXPECT_EQ(parse_client_instant("2026-11-26T12:48:37+02:00"), std::optional<micros>{utc});
  EXPECT_EQ(parse_client_instant("2026-11-26T05:18:37-05:30"), std::optional<micros>{utc});
  EXPECT_EQ(parse_client_instant("2026-11-27T00:33:37.000000+13:45"), std::optional<micros>{utc});
  // Across midnight and the year's end.
  EXPECT_EQ(parse_client_instant("2027-01-01T01:00:00+01:00"),
            parse_instant("2027-01-01T00:00:00Z"));
  EXPECT_EQ(parse_client_instant("2026-12-31T23:00:00-01:00"),
            parse_instant("2027-01-01T00:00:00Z"));
}

TEST(parse_client_instant, given_seven_to_nine_fraction_digits_then_truncated_toward_the_past) {
  EXPECT_EQ(parse_client_instant("2026-11-26T10:48:37.1234567Z"),
            parse_instant("2026-11-26T10:48:37.123456Z"));
  EXPECT_EQ(parse_client_instant("2026-11-26T10:48:37.999999999Z"),
            parse_instant("2026-11-26T10:48:37.999999Z"));
  EXPECT_EQ(parse_client_instant("1969-12-31T23:59:59.999999999Z"), std::optional<micros>{-1});
  EXPECT_EQ(parse_client_instant("2026-11-26T10:48:37.1234567890Z"), std::nullopt);
}

TEST(parse_client_instant, given_malformed_or_unknown_offset_then_nullopt) {
  for (const std::string_view text :
       {"", "2026-11-26", "2026-11-26T10:48:37", "2026-11-26T10:48:37-00:00",
        "2026-11-26T10:48:37+24:00", "2026-11-26T10:48:37+02:60", "2026-11-26T10:48:37+0200",
        "2026-11-26T10:48:37+2:00", "2026-11-26T10:48:37 02:00", "2026-11-26T10:48:37z",
        "2026-11-26T10:48:37.Z", "2026-02-30T10:48:37Z", "yesterday"}) {
    SCOPED_TRACE(std::string{text});
    EXPECT_EQ(parse_client_instant(text), std::nullopt);
  }
}

// ---------------------------------------------------------------------------------------------
// now_micros

TEST(now_micros, given_the_system_clock_when_read_then_after_2025_and_formattable) {
  const micros now = now_micros();
  EXPECT_GT(now, 1'735'689'600'000'000);  // 2025-01-01T00:00:00Z
  EXPECT_EQ(parse_instant(format_instant(now)), std::optional<micros>{now});
}

}  // namespace
}  // namespace chronicle::domain
